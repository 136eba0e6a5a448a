"""The real workflow (`snakemake metadata`) on every input layout and audio format users have,
and on a hostile folder: the exact fate and reason of every input, the exit status, the input
tree untouched, and metadata.csv the same in every reader."""

import csv
import os

import pytest
import soundfile

import input_fixtures
from conftest import snakemake, tree_digest

pytestmark = pytest.mark.workflow


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def metadata_rows(path):
    """metadata.csv with both reader styles upstream and its forks use; they must agree."""
    with open(path, encoding="utf-8", newline="") as f:
        by_csv = list(csv.reader(f, delimiter="|"))
    with open(path, encoding="utf-8") as f:
        by_split = [line.rstrip("\n").split("|") for line in f]
    assert by_csv == by_split
    assert all(len(row) == 2 for row in by_csv)
    assert by_csv[0] == ["audio_file", "text"]
    return {row[0].removeprefix("wavs/").removesuffix(".wav"): row[1] for row in by_csv[1:]}


@pytest.mark.parametrize("kind", sorted(input_fixtures.KINDS))
def test_every_input_gets_its_fate(tmp_path, kind):
    inputs = tmp_path / "input"
    expected = input_fixtures.build(kind, str(inputs))
    before = tree_digest(inputs)
    proc = snakemake(tmp_path / "run", "metadata", check=False, input_dir=inputs / expected.input,
                     dataset_name="ds")  # fmt: skip
    assert tree_digest(inputs) == before, "the input folder was modified"
    # the layout and the text column, said before any job ran
    said = proc.stderr.split("Building DAG of jobs")[0]
    assert "f5flow input: " in said and all(part in said for part in expected.how), said
    data = tmp_path / "run" / "data" / "ds"
    if not expected.exit_ok:
        assert proc.returncode != 0
        assert "no recording was kept" in proc.stderr
        for reason in set(expected.rejected.values()):
            assert f"rejected {reason}: " in proc.stderr  # counts per reason, on the console
        kept_tables = tmp_path / "run" / "logs" / "ds" / "build_metadata"
        rejected = {r["file"]: r["reason"] for r in read_tsv(kept_tables / "rejected.tsv")}
        assert rejected == expected.rejected
        assert not (data / "metadata.csv").exists()
        return
    assert proc.returncode == 0, proc.stderr
    assert "f5flow stage 1: kept" in proc.stderr
    kept = metadata_rows(data / "metadata.csv")
    quality = read_tsv(data / "quality.tsv")
    clip_of = {row["file"]: row["clip"] for row in quality if row["clip"]}
    for audio_file, text in expected.collisions.items():
        name = clip_of[audio_file]
        assert name.startswith("x__y~") and kept.pop(name) == text
    assert kept == expected.kept
    rejected = read_tsv(data / "rejected.tsv")
    not_candidates = ("ignored_system_file", "unused_file")
    assert {r["file"]: r["reason"] for r in rejected if r["reason"] not in not_candidates} == (
        expected.rejected
    )
    assert {r["file"] for r in rejected if r["reason"] == "ignored_system_file"} == expected.ignored
    assert {r["file"] for r in rejected if r["reason"] == "unused_file"} == expected.unused
    speakers = {row["clip"]: row["speaker"] for row in quality if row["clip"] in expected.kept and row["speaker"]}
    assert speakers == expected.speakers
    flagged = {
        row["clip"]: {part.split(":")[0] for part in row["reason"].split("; ")}
        for row in quality
        if row["outcome"] == "flagged"
    }
    assert flagged == expected.flagged
    assert {row["file"]: row["silence"] for row in quality if row["silence"]} == expected.silence
    # silent edges cut in stage 0 (to 0.1 s of what was made): quality.tsv and the clip agree
    trimmed = {row["clip"]: tuple(map(float, row["trimmed"].split("+"))) for row in quality if row["trimmed"]}
    assert trimmed.keys() == expected.trimmed.keys()
    if trimmed:  # and said in the stage 1 summary on the console
        assert f"trimmed edge_silence: {len(trimmed)} kept clips" in proc.stderr
    for clip, (start, end) in expected.trimmed.items():
        assert abs(trimmed[clip][0] - start) < 0.1 and abs(trimmed[clip][1] - end) < 0.1, trimmed[clip]
        duration = soundfile.info(str(data / "wavs" / f"{clip}.wav")).duration
        row = next(r for r in quality if r["clip"] == clip)
        assert abs(duration - float(row["duration"])) < 0.001
    # wavs/ holds exactly the clips of metadata.csv, each 24 kHz mono PCM16
    names = set(metadata_rows(data / "metadata.csv"))
    published = {n for n in os.listdir(data / "wavs") if not n.startswith(".")}  # Snakemake's stamp
    assert {n.removesuffix(".wav") for n in published} == names
    # every input appears once in quality.tsv
    assert len(quality) == len(expected.kept) + len(expected.collisions) + len(
        expected.rejected
    ) + len(expected.ignored) + len(expected.unused)
