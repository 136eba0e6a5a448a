import csv
import math
import os

import pytest

from f5flow import dataset, errors
from f5flow.records import AudioQuality, ClipRecord, Speech


def record(name, problem=None, words=4, duration=2.0, text=None, detail="", peak=-6.0,
           clipped=0.0, dc=0.0, audio_hash=None):  # fmt: skip
    text = text if text is not None else f"xin chào các bạn {name}"
    quality = AudioQuality(peak, -20.0, clipped, dc, audio_hash or f"hash-{name}")
    return ClipRecord(name=name, file=name + ".wav", problem=problem, detail=detail, text=text,
                      words=words, duration=duration, audio=name + ".wav",
                      transcript=name + ".txt", quality=None if problem else quality)  # fmt: skip


FILTERS = dataset.Filters(min_duration=1.0, max_duration=30.0, min_words=3)


def outcomes(result):
    return {r.record.name: (r.outcome, [k for k, _ in r.reasons]) for r in result.rows}


def test_filters_and_reasons():
    result, _ = dataset.build(
        [
            record("ok"),
            record("short", duration=0.99),
            record("long", duration=30.01),
            record("few", words=2),
            record("broken", problem="unreadable_audio", detail="ffmpeg exit 1"),
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


def test_quality_checks_flag_or_drop_as_configured():
    recs = [record(f"n{i}", duration=2.0) for i in range(6)] + [
        record("silent", peak=-math.inf),
        record("quiet", peak=-45.0),
        record("clipped", clipped=0.01),
        record("dc", dc=0.2),
        record("z_copy", audio_hash="hash-n0"),  # after n0 by name: n0 keeps its audio
        record("same_text", text="xin chào các bạn n1"),
        record("rushed", text="x" * 200, duration=2.0),
        record("cyrillic"),
        record("tagged"),
    ]
    recs[-2].lost = ["ж"]
    recs[-1].markup = ["tag: <b>", "tag: </b>"]
    result, notes = dataset.build(recs, FILTERS)
    assert notes == []
    got = outcomes(result)
    assert got["silent"] == ("dropped", ["silence"])
    assert got["quiet"] == ("dropped", ["silence"])
    assert {r.record.name: r.silence for r in result.rows if r.silence} == {"silent": "digital", "quiet": "near"}
    assert got["clipped"] == ("flagged", ["clipping"])
    assert got["dc"] == ("flagged", ["dc_offset"])
    assert got["z_copy"] == ("dropped", ["duplicate_audio"])
    assert got["same_text"] == ("flagged", ["duplicate_text"])
    assert got["rushed"] == ("flagged", ["speaking_rate"])
    assert got["cyrillic"] == ("flagged", ["lost_letters"])
    assert got["tagged"] == ("dropped", ["markup"])
    assert got["n0"] == ("kept", [])
    checks = dataset.QualityChecks.from_config(
        {"silence": {"action": "flag"}, "clipping": {"action": "drop", "fraction": 0.5},
         "duplicate_audio": {"action": "flag"}, "speaking_rate": {"action": "drop"},
         "markup": {"action": "flag"}}
    )  # fmt: skip
    got = outcomes(dataset.build(recs, FILTERS, checks)[0])
    assert got["silent"] == ("flagged", ["silence"])
    assert got["clipped"] == ("kept", [])  # 1 % < the raised threshold
    assert got["z_copy"] == ("flagged", ["duplicate_audio"])
    assert got["rushed"] == ("dropped", ["speaking_rate"])
    assert got["tagged"] == ("flagged", ["markup"])


def test_what_voice_activity_found_drops_or_flags_as_configured():
    recs = [record(f"n{i}", duration=3.0) for i in range(6)]
    for r in recs:
        r.speech = Speech(2.8, 0.93, 0.1, 0.1)
    recs[0].speech = Speech(0.0, 0.0, 3.0, 3.0)  # a transcript over noise
    recs[1].speech = Speech(0.2, 0.07, 2.0, 0.8)  # a cough in a room
    recs[2].speech = Speech(2.0, 0.22, 3.0, 3.0)  # padded, not trimmed in stage 0
    got = outcomes(dataset.build(recs, FILTERS)[0])
    assert got["n0"] == got["n1"] == ("dropped", ["no_speech"])
    assert got["n2"] == ("kept", [])  # the default trims edges in stage 0: nothing to flag here
    checks = dataset.QualityChecks.from_config(
        {"no_speech": {"action": "flag", "min_fraction": 0.05}, "edge_silence": {"action": "flag"}}
    )
    got = outcomes(dataset.build(recs, FILTERS, checks)[0])
    assert got["n0"] == ("flagged", ["no_speech"]) and got["n1"] == ("flagged", ["edge_silence"])
    assert got["n2"] == ("flagged", ["edge_silence"]) and got["n3"] == ("kept", [])


def test_speaking_rate_is_measured_against_the_median():
    # one runaway transcript (1000 characters/s) drags a mean far above every clip: against the
    # median (9.5) only the clips 2.5x away are flagged, the ordinary ones stay kept
    recs = [record(f"n{i}") for i in range(6)] + [
        record("fast", text="x" * 50),  # 25 characters/s
        record("runaway", text="x" * 2000),
    ]
    got = outcomes(dataset.build(recs, FILTERS)[0])
    assert got["fast"] == got["runaway"] == ("flagged", ["speaking_rate"])
    assert all(got[f"n{i}"] == ("kept", []) for i in range(6))


def test_speaking_rate_needs_enough_clips():
    result, notes = dataset.build([record("a"), record("b", text="x" * 300)], FILTERS)
    assert outcomes(result)["b"] == ("kept", [])
    assert "speaking-rate check skipped" in notes[0]


def test_nothing_kept_or_too_much_rejected_stops_with_counts():
    nothing, _ = dataset.build([record("a", words=1), record("b", duration=0.2)], FILTERS)
    with pytest.raises(errors.F5flowError) as err:
        dataset.check_kept(nothing, 0.5)
    assert "no recording was kept" in str(err.value)
    assert "rejected too_few_words: 1" in str(err.value) and "rejected too_short: 1" in str(err.value)
    some, _ = dataset.build([record("a"), record("b", words=1), record("c", words=1)], FILTERS)
    dataset.check_kept(some, 0.7)
    with pytest.raises(errors.F5flowError, match="2 of 3 inputs"):
        dataset.check_kept(some, 0.5)
    ignored = record("x", problem="ignored_system_file")
    dataset.check_kept(dataset.build([record("a"), ignored, ignored], FILTERS)[0], 0.1)


def test_summary_counts_transcripts_left_with_digits():
    recs = [record("a", text="năm 2024 rất vui"), record("b"), record("c", words=1)]
    recs[0].digits = True
    summary = dataset.summarise(dataset.build(recs, FILTERS)[0])
    assert summary.splitlines()[0].startswith("kept 2 clips")
    assert "1 kept transcripts hold digits" in summary and "rejected too_few_words: 1" in summary


def test_order_does_not_depend_on_record_order():
    recs = [record(n) for n in ("b", "a", "c")] + [record("z", duration=0.1)]
    assert dataset.build(recs, FILTERS)[0].accepted == dataset.build(recs[::-1], FILTERS)[0].accepted


def test_metadata_csv_reads_the_same_with_csv_and_split(tmp_path):
    result, _ = dataset.build(
        [record("plain", text="xin chào các bạn"), record('q"uote', text="anh nói 'chào' rồi đi")],
        FILTERS,
    )
    path = tmp_path / "metadata.csv"
    dataset.write_metadata(str(path), result)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "audio_file|text"
    assert lines[1] == "wavs/plain.wav|xin chào các bạn"
    assert lines[-1] == ""  # trailing newline, LF only
    with open(path, encoding="utf-8", newline="") as f:
        assert list(csv.reader(f, delimiter="|")) == [line.split("|") for line in lines[:-1]]
    assert dataset.read_metadata(str(path))[1] == ('wavs/q"uote.wav', "anh nói 'chào' rồi đi")


@pytest.mark.parametrize("text", ['"leading quote" is read differently by csv', "a | b", "two\nlines"])
def test_metadata_refuses_what_readers_would_read_differently(tmp_path, text):
    result, _ = dataset.build([record("a", text=text)], FILTERS)
    with pytest.raises(ValueError, match="unambiguously"):
        dataset.write_metadata(str(tmp_path / "m.csv"), result)


def test_rejected_quality_tsv_and_characters(tmp_path):
    result, _ = dataset.build([record("a", text="bà ba bé"), record("b\tc", words=1)], FILTERS)
    rejected = tmp_path / "rejected.tsv"
    dataset.write_rejected(str(rejected), result)
    with open(rejected, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    assert rows == [["file", "reason", "detail"], ["b\tc.wav", "too_few_words", "1 words < 3"]]
    quality = tmp_path / "quality.tsv"
    dataset.write_quality(str(quality), result)
    with open(quality, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert [(r["file"], r["clip"], r["outcome"]) for r in rows] == [("a.wav", "a", "kept"),
                                                                  ("b\tc.wav", "", "rejected")]  # fmt: skip
    assert rows[0]["chars_per_second"] == "3.00" and rows[0]["peak_dbfs"] == "-6.0"
    chars = tmp_path / "chars.txt"
    dataset.write_characters(str(chars), result.characters)
    assert chars.read_text(encoding="utf-8") == " \na\nb\nà\né\n"


def test_tables_are_written_as_csv_writes_them(tmp_path, monkeypatch):
    # plain rows are joined, rows with a tab, quote or line break inside a field go through csv
    rows = [("a", "b", "c"), ('say "hi"', "x", "y"), ("t\tab", "", ""), ("cr\r", "lf\n", "z"),
            ("", "", ""), ("d", "e", "f")] * 3  # fmt: skip
    monkeypatch.setattr(dataset, "_TSV_BATCH_ROWS", 2)  # a batch ends within a run of plain rows
    dataset.write_tsv(str(tmp_path / "fast.tsv"), ("h1", "h2", "h3"), rows)
    with open(tmp_path / "csv.tsv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t", lineterminator="\n").writerows([("h1", "h2", "h3"), *rows])
    assert (tmp_path / "fast.tsv").read_bytes() == (tmp_path / "csv.tsv").read_bytes()


def test_publish_links_exactly_the_kept_wavs(tmp_path):
    for unit, names in {"u1": ["a", "b"], "u2": ["c"]}.items():
        (tmp_path / unit).mkdir()
        for n in names:
            (tmp_path / unit / f"{n}.wav").write_bytes(n.encode())
    out = tmp_path / "wavs"
    units = [str(tmp_path / "u1"), str(tmp_path / "u2")]
    assert dataset.publish_wavs(units, {"a", "c"}, str(out)) == 2
    assert sorted(os.listdir(out)) == ["a.wav", "c.wav"]
    assert os.path.samefile(out / "c.wav", tmp_path / "u2" / "c.wav")
    with pytest.raises(errors.F5flowError, match="re-run stage 0"):
        dataset.publish_wavs(units, {"a", "zz"}, str(tmp_path / "wavs2"))


def test_records_read_back_equal_what_was_written(tmp_path):
    from f5flow import records

    recs = [record("a"), record("broken", problem="unreadable_audio", detail="x")]
    recs[0].lost = ["ж"]
    path = str(tmp_path / "u.jsonl")
    records.write_records(path, recs)
    assert records.read_records(path) == recs
    assert records.read_durations([path]) == {"a": 2.0, "broken": 2.0}
    # digital silence: a peak of -inf, which only the json module writes and reads
    records.write_records(path, recs + [record("silent", peak=-math.inf)])
    assert records.read_records(path)[-1].quality.peak_dbfs == -math.inf
    with open(path, "a") as f:
        f.write('{"name": "torn\n')
    with pytest.raises(ValueError):
        records.read_records(path)
    # an older record without the newer fields gets their defaults
    (tmp_path / "old.jsonl").write_text('{"name": "o", "file": "o.wav", "duration": 1.5}\n')
    [old] = records.read_records(str(tmp_path / "old.jsonl"))
    assert old == ClipRecord(name="o", file="o.wav", duration=1.5) and old.lost == []


def write_tables(folder, clips):
    """metadata.csv and quality.tsv for (name, seconds, outcome) clips."""
    with open(folder / "metadata.csv", "w", encoding="utf-8") as f:
        f.write("audio_file|text\n")
        for name, _, outcome in clips:
            if outcome in dataset.KEPT:
                f.write(f"wavs/{name}.wav|câu của {name}\n")
    with open(folder / "quality.tsv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter="\t")
        writer.writerow(dataset.QUALITY_HEADER)
        for name, seconds, outcome in clips:
            row = dict.fromkeys(dataset.QUALITY_HEADER, "")
            row.update(file=f"{name}.wav", clip=name if outcome in dataset.KEPT else "",
                       duration=str(seconds), outcome=outcome)  # fmt: skip
            writer.writerow(row.values())


def test_the_synthesis_reference_is_a_kept_clip_of_3_to_12_seconds(tmp_path):
    write_tables(tmp_path, [("a_short", 1.6, "kept"), ("b_flagged", 6.0, "flagged"), ("c_ok", 4.0, "kept"),
                            ("d_ok", 7.5, "kept"), ("e_long", 14.0, "kept"), ("f_dropped", 6.0, "dropped")])  # fmt: skip
    chosen = dataset.reference_clip(str(tmp_path / "metadata.csv"), str(tmp_path / "quality.tsv"))
    # d_ok (7.5 s) is nearer 6 s than c_ok (4.0 s); the flagged and the dropped 6 s clips are not used
    assert chosen == ("wavs/d_ok.wav", "câu của d_ok", 7.5, "")
    write_tables(tmp_path, [("a_short", 1.6, "kept"), ("e_long", 14.0, "kept")])
    chosen = dataset.reference_clip(str(tmp_path / "metadata.csv"), str(tmp_path / "quality.tsv"))
    assert chosen.audio == "wavs/e_long.wav" and "no kept clip of 3-12 s" in chosen.note
