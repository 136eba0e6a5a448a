"""The layout readers in-process: detection, what each reads, and each refusal's message (the
workflow runs over every layout are in test_input_layouts.py)."""

import subprocess

import numpy as np
import pytest
import soundfile

import input_fixtures
from conftest import snakemake, tree_digest
from f5flow import audio, hub, preprocess, records
from devtools.discovery import discover
from f5flow.planning import jobunits, layouts
from f5flow.planning.layouts import huggingface


def names(folder, **options):
    return {e.name: e for e in discover(str(folder), options=options).entries}


@pytest.mark.parametrize(
    "kind, layout",
    [("common_voice", "commonvoice"), ("common_voice_validated_only", "commonvoice"),
     ("hf_parquet", "parquet"), ("hf_save_to_disk", "save_to_disk"), ("hf_audiofolder", "audiofolder"),
     ("kaldi", "kaldi"), ("mfa_lab", "mfa"), ("libritts", "libritts"), ("ljspeech", "table"),
     ("nemo_manifest", "manifest"), ("pairs_nested", "pairs")],
)  # fmt: skip
def test_each_layout_is_detected(tmp_path, kind, layout):
    expected = input_fixtures.build(kind, str(tmp_path / "in"))
    listing = layouts.read_folder(str(tmp_path / "in" / expected.input))
    assert listing.layout == layout


def test_a_file_of_no_known_layout_and_a_folder_of_none_list_the_layouts(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(layouts.InputDirError, match=r"a file of no known layout(.|\n)*commonvoice"):
        layouts.read_folder(str(tmp_path / "notes.csv"))
    (tmp_path / "a.wav").write_bytes(b"x")
    (tmp_path / "b.wav").write_bytes(b"x")
    with pytest.raises(layouts.InputDirError, match=r"matches no layout .*found 3 files: 2 \.wav, 1 \.csv"):
        layouts.read_folder(str(tmp_path))


def test_recordings_without_any_transcript_stop_planning(tmp_path):
    for name in ("a.wav", "b.flac", "c.txt"):
        (tmp_path / "in" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "in" / name).write_bytes(b"x")
    with pytest.raises(layouts.InputDirError, match=r"2 recordings and 1 \.txt transcripts, none beside"):
        jobunits.plan(str(tmp_path / "in"), "auto", 10, 1, str(tmp_path / "units"))
    assert not (tmp_path / "units").exists()


def test_common_voice_header_and_split_are_checked(tmp_path):
    input_fixtures.build("common_voice", str(tmp_path))
    with pytest.raises(layouts.InputDirError, match="input_split: .* has no holdout.tsv"):
        layouts.read_folder(str(tmp_path), options={"split": "holdout"})
    both = names(tmp_path, split="train+dev")
    assert {n for n, e in both.items() if not e.problem} == {f"common_voice_vi_{i}" for i in range(3)}
    # validated with the test split kept in
    every = names(tmp_path, split="validated")
    assert not every["common_voice_vi_4"].problem
    (tmp_path / "validated.tsv").write_text("client_id\tfile\tsentence\nx\ty.mp3\tz\n")
    with pytest.raises(layouts.InputDirError, match="needs the columns path and sentence; its header is client_id file sentence"):
        layouts.read_folder(str(tmp_path))


def test_common_voice_rows_that_name_no_clip_stop_the_reader(tmp_path):
    input_fixtures.build("common_voice_validated_only", str(tmp_path))
    (tmp_path / "validated.tsv").write_text("client_id\tpath\tsentence\nx\tnot_there.mp3\tmột hai ba\n")
    with pytest.raises(layouts.InputDirError, match="names clips such as clips/not_there.mp3 but none"):
        layouts.read_folder(str(tmp_path))


def test_a_split_is_never_guessed(tmp_path):
    with pytest.raises(layouts.InputDirError, match="none is train: set config key input_split"):
        huggingface.choose_split(["data/test-0.parquet", "data/validation-0.parquet"], "auto", "ds")
    chosen, others, which = huggingface.choose_split(["train/0.parquet", "test/0.parquet"], "auto", "ds")
    assert (chosen, others, which) == (["train/0.parquet"], ["test/0.parquet"], "split train")
    assert huggingface.choose_split(["a.parquet"], "auto", "ds")[0] == ["a.parquet"]


def test_the_text_column_is_found_or_named(tmp_path):
    input_fixtures.build("hf_parquet", str(tmp_path))
    with pytest.raises(layouts.InputDirError, match=r"has no column 'words' \(its columns: transcription, speaker_id\)"):
        layouts.read_folder(str(tmp_path), options={"text_column": "words"})
    assert "text from column transcription" in layouts.read_folder(str(tmp_path)).how


def test_a_piped_wav_scp_command_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "wav.scp").write_text(f"r1 touch {marker} |\n")
    (tmp_path / "text").write_text("r1 một hai ba\n")
    [entry] = [e for e in discover(str(tmp_path)).entries if e.name == "r1"]
    assert entry.problem == "piped_command" and "never runs" in entry.detail
    assert not marker.exists()


def test_kaldi_paths_that_name_no_recording_stop_the_reader(tmp_path):
    (tmp_path / "wav.scp").write_text("r1 wav/r1.wav\n")
    (tmp_path / "text").write_text("r1 một hai ba\n")
    with pytest.raises(layouts.InputDirError, match="none of its recordings was found"):
        layouts.read_folder(str(tmp_path))


def test_a_segment_is_the_same_samples_as_the_whole_recording_cut(tmp_path):
    rate = 16000
    data = np.random.default_rng(1).uniform(-0.5, 0.5, rate * 5).astype(np.float32)
    for fmt in ("wav", "flac"):
        path = str(tmp_path / f"r.{fmt}")
        soundfile.write(path, data, rate, subtype="PCM_16")
        whole = audio.load(path).samples[:, 0]
        part = audio.load(path, span=(1.25, 3.5)).samples[:, 0]
        np.testing.assert_array_equal(part, whole[20000:56000])
        with pytest.raises(audio.AudioError, match="ends after the recording"):
            audio.load(path, span=(4.0, 6.0))
    # the same through ffmpeg (a container libsndfile does not read)
    m4a = str(tmp_path / "r.m4a")
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "r.wav"), "-c:a", "aac", m4a], check=True)
    cut = audio.load(m4a, span=(1.0, 2.5))
    assert cut.format.endswith("aac") and abs(cut.duration - 1.5) < 0.03


def test_embedded_bytes_decode_as_the_file_does(tmp_path):
    path = str(tmp_path / "a.flac")
    soundfile.write(path, np.sin(np.arange(24000) / 10) * 0.3, 24000, format="FLAC")
    with open(path, "rb") as f:
        from_bytes = audio.load(f.read(), label="a.flac#row=0")
    np.testing.assert_array_equal(from_bytes.samples, audio.load(path).samples)
    with open(path, "rb") as f:
        truncated = f.read()[:5000]
    with pytest.raises(audio.AudioError):
        audio.load(truncated, label="x")


def test_a_unit_reads_each_row_group_once(tmp_path, monkeypatch):
    input_fixtures.build("hf_parquet", str(tmp_path / "in"))
    entries = [e for e in discover(str(tmp_path / "in")).entries if e.audio and "#row=" in e.audio]
    import pyarrow.parquet as pq

    reads, real = [], pq.ParquetFile.read_row_group
    monkeypatch.setattr(pq.ParquetFile, "read_row_group", lambda self, i, **kw: reads.append(i) or real(self, i, **kw))
    got = preprocess.process_unit(list(reversed(entries)), str(tmp_path / "in"), str(tmp_path / "wavs"))
    assert [r.name for r in got] == [e.name for e in reversed(entries)]  # in entry order
    assert len(reads) == 1  # one row group in the fixture's file, read once for five rows
    assert [r.problem for r in got].count("missing_audio") == 1
    assert sorted(r.speaker for r in got if not r.problem) == ["spkA", "spkA", "spkB", "spkB"]


def test_rows_of_a_dataset_file_share_units_in_runs_spread_evenly():
    run = jobunits.ROWS_PER_CHUNK
    row = lambda e: int(e.audio.rpartition("=")[2])  # noqa: E731
    entries = [records.Entry(f"n{i}", audio=records.audio_ref("d.parquet", row=i)) for i in range(run * 15)]
    units = jobunits.assign_units(entries, shard_size=run * 2, min_units=1)  # 8 units, 15 runs
    assert sorted(len(m) for m in units.values()) == [run] + [run * 2] * 7  # none more than two
    for members in units.values():  # whole runs of neighbouring rows
        for r in {row(e) // run for e in members}:
            assert {row(e) for e in members if row(e) // run == r} == set(range(r * run, (r + 1) * run))
    # a row added at the end goes to its run's unit; no other row moves
    added = records.Entry("new", audio=records.audio_ref("d.parquet", row=run * 15))
    again = jobunits.assign_units(entries + [added], shard_size=run * 2, min_units=1)
    assert {u: [e for e in m if e is not added] for u, m in again.items()} == units


def test_audio_references_round_trip():
    for ref in ("a/b.wav", "take#1.wav", "d.parquet#row=17", "r.flac#t=3.2,5.85", "x.wav#t=0,1",
                "long.flac#t=3612.345678,3615.5"):  # fmt: skip
        path, row, span = records.parse_audio_ref(ref)
        assert records.audio_ref(path, row, span) == ref


def _hf_cache(home, repo="someone/vi-voice", build="hf_parquet"):
    """A Hugging Face cache holding one dataset snapshot, as `hf download` leaves it."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    base = home / "hub" / f"datasets--{repo.replace('/', '--')}"
    expected = input_fixtures.build(build, str(base / "snapshots" / commit))
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(commit)
    return expected


def test_hf_datasets_input_from_the_cache_offline(tmp_path):
    home = tmp_path / "hf"
    expected = _hf_cache(home)
    env = {"HF_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    before = tree_digest(home)
    dry = snakemake(tmp_path / "run", "-n", "metadata", env=env, input_dir="hf://datasets/someone/vi-voice",
                    dataset_name="ds")  # fmt: skip
    assert "f5flow input: parquet: Hugging Face parquet, split train" in dry.stderr
    snakemake(tmp_path / "run", "metadata", env=env, input_dir="hf://datasets/someone/vi-voice", dataset_name="ds")
    rows = (tmp_path / "run" / "data" / "ds" / "metadata.csv").read_text(encoding="utf-8").splitlines()
    assert {row.split("|")[0] for row in rows[1:]} == {f"wavs/{n}.wav" for n in expected.kept}
    assert tree_digest(home) == before  # the cache is only read
    # not cached: the dry run stops before anything, naming the command that fetches it
    missing = snakemake(tmp_path / "run2", "-n", check=False, env=env,
                        input_dir="hf://datasets/someone/other@v2", dataset_name="ds")  # fmt: skip
    assert missing.returncode != 0
    said = missing.stdout + missing.stderr  # (Snakemake prints a parse error on stdout)
    assert "is not in the Hugging Face cache" in said
    assert "hf download --repo-type dataset someone/other --revision v2" in said
    assert not (tmp_path / "run2" / "work").exists() and not (tmp_path / "run2" / "data").exists()


def test_hf_dataset_names_are_parsed():
    assert hub.parse_dataset("hf://datasets/a/b@rev/data/x.parquet") == ("a/b", "rev", "data/x.parquet")
    assert hub.parse_dataset("hf://datasets/a/b") == ("a/b", None, "")
    with pytest.raises(hub.HubError, match="expected hf://datasets/OWNER/NAME"):
        hub.parse_dataset("hf://datasets/a")


def test_a_folder_of_no_layout_stops_the_dry_run_and_writes_nothing(tmp_path):
    for name in ("a.wav", "b.wav", "sub/c.mp3", "readme.md"):
        (tmp_path / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / name).write_bytes(b"x")
    proc = snakemake(tmp_path / "run", "-n", check=False, input_dir=tmp_path / "in", dataset_name="ds")
    assert proc.returncode != 0
    said = proc.stdout + proc.stderr  # (Snakemake prints a parse error on stdout)
    assert "matches no layout f5flow reads" in said
    for layout in layouts.BY_NAME:
        assert f"\n  {layout} " in said
    assert not any((tmp_path / "run" / d).exists() for d in ("work", "data", "logs"))


def test_the_report_gives_hours_per_speaker(tmp_path):
    from f5flow import report

    (tmp_path / "metadata.csv").write_text("audio_file|text\nwavs/a.wav|x y z\nwavs/b.wav|x y z\nwavs/c.wav|x y z\n")
    (tmp_path / "rejected.tsv").write_text("file\treason\tdetail\nd.wav\ttoo_short\t0.5 s\n")
    header = "file\tclip\tspeaker\tduration\toutcome\treason\n"
    lines = ["a.wav\ta\tspk1\t1800.0\tkept\t", "b.wav\tb\tspk1\t1800.0\tflagged\tx", "c.wav\tc\tspk2\t360.0\tkept\t",
             "d.wav\t\tspk2\t0.5\trejected\ttoo_short"]  # fmt: skip
    (tmp_path / "quality.tsv").write_text(header + "\n".join(lines) + "\n")
    numbers = report.dataset_numbers(*(str(tmp_path / f) for f in ("metadata.csv", "rejected.tsv", "quality.tsv")))
    assert {k: (v["files"], v["kept"], v["seconds"]) for k, v in numbers["per_speaker"].items()} == {
        "spk1": (2, 2, 3600.0), "spk2": (2, 1, 360.0)}  # fmt: skip
    page = report.dataset_page(numbers, "commonvoice", "no validation")
    assert "Hours per speaker" in page and "<td class='n' data-key='spk1'>1.000</td>" in page


def test_a_metadata_csv_of_no_known_form_is_named(tmp_path):
    (tmp_path / "metadata.csv").write_text("path,sentence\na.wav,một hai ba\n")
    (tmp_path / "a.wav").write_bytes(b"x")
    with pytest.raises(layouts.InputDirError, match=r"metadata.csv's first line 'path,sentence' is neither"):
        layouts.read_folder(str(tmp_path))


def test_audiofolder_jsonl_and_split_folders(tmp_path):
    for split, n in (("train", 2), ("test", 1)):
        lines = []
        for i in range(n):
            (tmp_path / split).mkdir(exist_ok=True)
            (tmp_path / split / f"{i}.flac").write_bytes(b"x")
            lines.append(f'{{"file_name": "{i}.flac", "sentence": "câu {split} {i}", "speaker_id": 7}}')
        (tmp_path / split / "metadata.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = names(tmp_path)
    assert {n: (e.audio, e.text, e.speaker) for n, e in found.items() if not e.problem} == {
        "train__0": ("train/0.flac", "câu train 0", "7"), "train__1": ("train/1.flac", "câu train 1", "7")}  # fmt: skip
    assert {n for n, e in found.items() if e.problem == records.UNUSED} == {"test/0.flac", "test/metadata.jsonl"}
    assert "split train" in layouts.read_folder(str(tmp_path)).how


def test_libritts_reads_the_original_text_when_asked(tmp_path):
    input_fixtures.build("libritts", str(tmp_path))
    original = names(tmp_path, text_column="original")
    kept = {n: e for n, e in original.items() if not e.problem}
    assert all(e.transcript.endswith(".original.txt") for e in kept.values()) and len(kept) == 3
    assert all(original[f"19/198/19_198_00000{i}_000000.normalized.txt"].problem == records.UNUSED for i in range(3))
    with pytest.raises(layouts.InputDirError, match="LibriTTS has normalized or original"):
        layouts.read_folder(str(tmp_path), options={"text_column": "sentence"})


def test_a_stray_lab_or_normalized_file_does_not_change_a_pairs_folder(tmp_path):
    input_fixtures.build("pairs_flat", str(tmp_path))
    (tmp_path / "notes.lab").write_text("x")
    (tmp_path / "x.normalized.txt").write_text("x")
    assert layouts.read_folder(str(tmp_path)).layout == "pairs"


def test_a_parquet_row_group_is_never_split_between_units(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 1000
    audio = pa.array([{"bytes": b"x", "path": f"{i}.wav"} for i in range(rows)])
    table = pa.table({"audio": audio, "text": [f"câu {i} đây" for i in range(rows)]})
    for name, group in (("groups.parquet", 100), ("one.parquet", rows)):
        pq.write_table(table, str(tmp_path / name), row_group_size=group)
        entries = [records.Entry(str(i), audio=records.audio_ref(name, row=i)) for i in range(rows)]
        units = jobunits.assign_units(entries, shard_size=250, min_units=1, root=str(tmp_path))
        unit_of = {int(e.name): u for u, m in units.items() for e in m}
        for first in range(0, rows, group):  # every group's rows in one unit
            assert len({unit_of[i] for i in range(first, first + group)}) == 1
        assert len(units) == (1 if group == rows else 4)
    # groups spread evenly: 40 groups of 100 rows over 4 units are 10 each (runs of rows cut
    # across groups made units of 9 to 11 groups; at 10,000 rows 1000 to 1400 rows a unit)
    many = pa.table({"audio": pa.array([{"bytes": b"x", "path": f"{i}.wav"} for i in range(4000)]),
                     "text": [f"câu {i} đây" for i in range(4000)]})  # fmt: skip
    pq.write_table(many, str(tmp_path / "many.parquet"), row_group_size=100)
    entries = [records.Entry(str(i), audio=records.audio_ref("many.parquet", row=i)) for i in range(4000)]
    units = jobunits.assign_units(entries, shard_size=1000, min_units=1, root=str(tmp_path))
    assert sorted(len(m) for m in units.values()) == [1000] * 4


def test_a_parquet_file_without_the_datasets_metadata_is_read_by_its_audio_struct(tmp_path):
    # written by pyarrow alone: no `huggingface` features in the schema, the audio a struct of
    # bytes and path (the table read at planning holds only the path: the column is found first)
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(24000), 24000, format="WAV")
    audio = pa.array([{"bytes": buffer.getvalue(), "path": "a.wav"}])
    pq.write_table(pa.table({"sound": audio, "sentence": ["một hai ba"]}), str(tmp_path / "x.parquet"))
    [entry] = discover(str(tmp_path)).entries
    assert (entry.name, entry.audio, entry.text) == ("a", "x.parquet#row=0", "một hai ba")
