import csv
import os

from f5flow import dataset
from f5flow.records import ClipRecord


def record(name, problem=None, words=4, duration=2.0, text="xin chào các bạn", detail=""):
    return ClipRecord(name=name, file=name + ".wav", problem=problem, detail=detail, text=text,
                      words=words, duration=duration)


FILTERS = dataset.Filters(min_duration=1.0, max_duration=30.0, min_words=3)


def test_filters_and_reasons():
    result = dataset.build(
        [
            record("ok"),
            record("short", duration=0.99),
            record("long", duration=30.01),
            record("few", words=2),
            record("broken", problem="unreadable_audio", detail="sox exit 2"),
            record("edge_min", duration=1.0),
            record("edge_max", duration=30.0, words=3),
        ],
        FILTERS,
    )
    assert [n for n, _ in result.accepted] == ["edge_max", "edge_min", "ok"]
    assert {f: r for f, r, _ in result.rejected} == {
        "broken.wav": "unreadable_audio",
        "few.wav": "too_few_words",
        "long.wav": "too_long",
        "short.wav": "too_short",
    }


def test_order_does_not_depend_on_record_order():
    recs = [record(n) for n in ("b", "a", "c")] + [record("z", duration=0.1)]
    assert dataset.build(recs, FILTERS) == dataset.build(recs[::-1], FILTERS)


def test_metadata_csv_format_and_quoting(tmp_path):
    result = dataset.build(
        [record("plain", text="xin chào các bạn"), record('q"uote', text='anh nói "chào" | rồi đi')],
        FILTERS,
    )
    path = tmp_path / "metadata.csv"
    dataset.write_metadata(str(path), result)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "audio_file|text"
    assert lines[1] == "wavs/plain.wav|xin chào các bạn"
    assert lines[-1] == ""  # trailing newline, LF only
    assert b"\r" not in path.read_bytes()
    # Python's csv reader (what upstream uses) gives the exact fields back.
    assert dataset.read_metadata(str(path)) == [
        ("wavs/plain.wav", "xin chào các bạn"),
        ('wavs/q"uote.wav', 'anh nói "chào" | rồi đi'),
    ]


def test_rejected_tsv_and_characters(tmp_path):
    result = dataset.build([record("a", text="bà ba"), record("b\tc", words=1)], FILTERS)
    rejected = tmp_path / "rejected.tsv"
    dataset.write_rejected(str(rejected), result)
    with open(rejected, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    assert rows == [["file", "reason", "detail"], ["b\tc.wav", "too_few_words", "1 words < 3"]]
    chars = tmp_path / "chars.txt"
    dataset.write_characters(str(chars), result.characters)
    assert chars.read_text(encoding="utf-8") == " \na\nb\nà\n"


def test_publish_links_every_wav(tmp_path):
    for unit, names in {"u1": ["a", "b"], "u2": ["c"]}.items():
        (tmp_path / unit).mkdir()
        for n in names:
            (tmp_path / unit / f"{n}.wav").write_bytes(n.encode())
        (tmp_path / unit / ".snakemake_timestamp").write_bytes(b"")
    out = tmp_path / "wavs"
    assert dataset.publish_wavs([str(tmp_path / "u1"), str(tmp_path / "u2")], str(out)) == 3
    assert sorted(os.listdir(out)) == ["a.wav", "b.wav", "c.wav"]
    assert os.path.samefile(out / "c.wav", tmp_path / "u2" / "c.wav")
