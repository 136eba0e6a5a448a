"""The real workflow (Snakemake CLI) on copies of the demo and on hostile file names."""

from __future__ import annotations

import csv
import os
import re
import shutil
import unicodedata

import pytest
import soundfile

from f5flow import dataset as f5dataset, vocabulary
from f5flow.records import parse_audio_ref
from devtools.discovery import discover
from f5flow.planning import jobunits, listing as inputs
from devtools.dryrun import planned_jobs

from conftest import DEMO, DEMO_CONFIG, REPO, snakemake, tree_digest, write_wav

pytestmark = pytest.mark.workflow

PRETRAINED_VOCAB = vocabulary.resolve("pkg://f5_tts/infer/examples/vocab.txt")


def read_rejected(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    assert rows[0] == ["file", "reason", "detail"]
    return {row[0]: row[1] for row in rows[1:]}


def read_metadata(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="|"))
    assert rows[0] == ["audio_file", "text"]
    return dict(rows[1:])


def check_outputs(workdir, input_dir, dataset):
    """The acceptance checks every run must pass; returns (metadata, rejected)."""
    data = workdir / "data" / dataset
    metadata = read_metadata(data / "metadata.csv")
    rejected = read_rejected(data / "rejected.tsv")

    # every wav in wavs/ is 24 kHz mono PCM16 with its input's duration within 1 %
    with open(data / "quality.tsv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    source_of = {row["clip"]: row["file"] for row in rows}
    trimmed = {row["clip"]: sum(f5dataset.trimmed_edges(row["trimmed"])) for row in rows}  # silent edges cut
    wavs = sorted(n for n in os.listdir(data / "wavs") if not n.startswith(".snakemake"))
    assert wavs, "no wav published"
    for name in wavs:
        out = soundfile.info(str(data / "wavs" / name))
        assert (out.samplerate, out.channels, out.subtype) == (24000, 1, "PCM_16"), name
        path, _, span = parse_audio_ref(source_of[name[:-4]])  # a clip cut from a long recording: its span
        original = span[1] - span[0] if span else soundfile.info(os.path.join(input_dir, path)).duration
        original -= trimmed[name[:-4]]
        assert abs(out.duration - original) <= 0.01 * original, name

    # metadata rows point at published wavs; texts are NFC
    for audio_file, text in metadata.items():
        assert audio_file.startswith("wavs/") and audio_file[5:] in wavs
        assert unicodedata.is_normalized("NFC", text)

    # every input is in exactly one place
    accepted = {a[len("wavs/") : -len(".wav")] for a in metadata}
    for entry in discover(str(input_dir)).entries:
        in_metadata = entry.name in accepted and not entry.problem
        # a problem is reported on the file at fault: the recording or the transcript
        assert in_metadata != bool({entry.file, entry.transcript} & set(rejected)), entry
    # (a pair's transcript travels with its wav: nothing else may be left unaccounted for)
    reported = set(rejected) | {source_of[n] for n in accepted}
    for name in os.listdir(input_dir):
        stem, ext = os.path.splitext(name)
        partners = {name, f"{stem}.wav", f"{stem}.txt"}
        assert partners & reported or any(
            r.startswith(repr(name)[1:-1]) for r in reported
        ) or os.path.isdir(input_dir / name), name

    # vocab.txt: the 2545 pretrained lines unchanged, then the missing characters
    pretrained = open(PRETRAINED_VOCAB, "rb").read().split(b"\n")[:-1]
    assert len(pretrained) == 2545
    merged = (data / "vocab.txt").read_bytes().split(b"\n")
    assert merged[-1] == b"" and merged[: len(pretrained)] == pretrained
    characters = set("".join(metadata.values()))
    assert set(b.decode() for b in merged[:-1]) >= characters
    assert (data / f"vocab_{dataset}.txt").read_text(encoding="utf-8") == "".join(
        c + "\n" for c in sorted(characters)
    )
    return metadata, rejected


def test_demo_end_to_end(tmp_path, demo_copy):
    before = tree_digest(demo_copy)
    snakemake(tmp_path, "vocab", input_dir=demo_copy, dataset_name="demo")
    metadata, rejected = check_outputs(tmp_path, demo_copy, "demo")
    assert tree_digest(demo_copy) == before

    expected = sorted(n[:-4] for n in os.listdir(DEMO) if n.endswith(".wav") and not n.startswith("reject_"))
    assert sorted(a[5:-4] for a in metadata) == expected
    assert rejected == {
        "reject_no_transcript.wav": "missing_transcript",
        "reject_too_few_words.wav": "too_few_words",
        "reject_too_long.wav": "too_long",  # (the demo's config: segmentation.long_recordings off)
        "reject_too_short.wav": "too_short",
    }
    # NFD / BOM / CRLF transcripts of the demo came out as the plain NFC lower-case sentence
    assert metadata["wavs/vi_002.wav"] == "tiếng việt có sáu thanh điệu khác nhau."
    summary = (tmp_path / "data" / "demo" / "vocab_extension.json").read_text(encoding="utf-8")
    assert '"missing_count": 19' in summary


HOSTILE = [
    "with space",
    "it's",
    'say "hi"',
    "$HOME",
    "semi;colon",
    "(paren)",
    "tiếng việt",
    "-n",
    "|pipe",
    "{brace",
    "brace}",
    "{not a wildcard}",
    "star*",
    "back`tick",
    "amp&and",
]


@pytest.fixture
def hostile_dir(tmp_path):
    folder = tmp_path / "in put $(x)"
    folder.mkdir()
    for i, name in enumerate(HOSTILE):
        write_wav(folder / f"{name}.wav", seconds=1.2 + 0.1 * i, rate=(16000, 44100, 48000)[i % 3], channels=1 + i % 2)
        (folder / f"{name}.txt").write_text(f"Câu số {i} của bạn", encoding="utf-8")
    write_wav(folder / "short.wav", seconds=0.5)
    (folder / "short.txt").write_text("quá ngắn rồi đấy")
    (folder / "broken.wav").write_bytes(b"not a wav at all")
    (folder / "broken.txt").write_text("không đọc được âm thanh")
    write_wav(folder / "latin1.wav")
    (folder / "latin1.txt").write_bytes("xin chào các anh".encode("latin-1"))
    write_wav(folder / "nfd.wav", seconds=2.1)
    (folder / "nfd.txt").write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", "Mẹ Đi Chợ\r\n").encode())
    (folder / "orphan.txt").write_text("không có âm thanh nào")
    write_wav(folder / "dup.wav")
    write_wav(folder / "dup.WAV")
    (folder / "dup.txt").write_text("hai tệp cùng tên")
    (folder / "notes.md").write_text("not data")
    (folder / "line\nbreak.wav").write_bytes(b"x")
    write_wav(folder / "{wildcard}.wav", seconds=1.9)
    (folder / "{wildcard}.txt").write_text("tên giống ký tự đại diện")
    (folder / "subdir").mkdir()
    return folder


def test_hostile_names_end_to_end(tmp_path, hostile_dir):
    workdir = tmp_path / "work dir"
    before = tree_digest(hostile_dir)
    snakemake(workdir, "vocab", input_dir=hostile_dir, dataset_name="hostile", shard_size=3)
    metadata, rejected = check_outputs(workdir, hostile_dir, "hostile")
    assert tree_digest(hostile_dir) == before

    # braces are no Snakemake wildcards here (recordings are no declared inputs); | is the
    # metadata.csv delimiter: mapped to _ (quality.tsv holds the mapping)
    names = [n.replace("|", "_") for n in HOSTILE] + ["nfd", "dup", "{wildcard}"]
    assert set(metadata) == {f"wavs/{n}.wav" for n in names}
    assert metadata["wavs/nfd.wav"] == "mẹ đi chợ"
    assert rejected == {
        "broken.wav": "unreadable_audio",
        "dup.wav": "duplicate_name",
        "latin1.txt": "invalid_encoding",
        "line\\nbreak.wav": "unsafe_name",
        "notes.md": "unsupported_file",
        "orphan.txt": "missing_audio",
        "short.wav": "too_short",
    }


@pytest.mark.parametrize("shard_size", [1, 4])
def test_adding_a_recording_reruns_only_its_unit(tmp_path, demo_copy, shard_size):
    # stages 0-2: the ones made of job units (later stages are single jobs over the whole set)
    config = {"input_dir": demo_copy, "dataset_name": "demo", "shard_size": shard_size, "min_units": 8}
    snakemake(tmp_path, "vocab", **config)
    up_to_date = snakemake(tmp_path, "-n", "vocab", **config)
    assert planned_jobs(up_to_date.stdout) == []

    n_before = len(discover(str(demo_copy)).entries)
    assert jobunits.unit_count(n_before, shard_size, 8) == jobunits.unit_count(n_before + 1, shard_size, 8)
    write_wav(demo_copy / "new_clip.wav", seconds=1.5)
    (demo_copy / "new_clip.txt").write_text("một bản ghi mới", encoding="utf-8")

    dry = snakemake(tmp_path, "-n", "vocab", **config)
    jobs = planned_jobs(dry.stdout)
    unit = jobunits.unit_id("new_clip", shard_size, jobunits.unit_count(n_before + 1, shard_size, 8))
    print(f"shard_size={shard_size}: jobs after adding one recording: {jobs}")
    assert sorted(jobs) == sorted(
        [
            ("resample_unit", unit),
            ("publish_wavs", ""),
            ("build_metadata", ""),
            ("extend_vocab", ""),
            ("vocab", ""),
        ]
    )


def test_changed_or_removed_files_rerun_only_their_units(tmp_path, demo_copy):
    config = {"input_dir": demo_copy, "dataset_name": "demo", "shard_size": 4, "min_units": 2}
    snakemake(tmp_path, "vocab", **config)
    n_units = jobunits.unit_count(len(discover(str(demo_copy)).entries), 4, 2)
    aggregates = [("publish_wavs", ""), ("build_metadata", ""), ("extend_vocab", ""), ("vocab", "")]

    changed = set()  # units changed so far (a dry run does not run them)

    def planned_after(change, name):
        change()
        changed.add(("resample_unit", jobunits.unit_id(name, 4, n_units)))
        jobs = planned_jobs(snakemake(tmp_path, "-n", "vocab", **config).stdout)
        assert sorted(jobs) == sorted(changed | set(aggregates)), name

    # a recording rewritten in place (same name, new size and mtime)
    planned_after(lambda: write_wav(demo_copy / "vi_003.wav", seconds=2.5), "vi_003")
    # a recording and its transcript removed, from a unit that keeps other clips (the unit count
    # stays 8: 25 -> 24 entries)
    units = jobunits.assign_units(discover(str(demo_copy)).entries, 4, 2)
    removed = next(e.name for members in units.values() if len(members) > 1 for e in members
                   if e.name.startswith("vi_01"))  # fmt: skip
    planned_after(lambda: [(demo_copy / f"{removed}.{ext}").unlink() for ext in ("wav", "txt")], removed)
    # a transcript fixed: the last state wins, and the run keeps it
    planned_after(lambda: (demo_copy / "vi_007.txt").write_text("Bà kể chuyện cổ tích cho các cháu.", encoding="utf-8"), "vi_007")
    snakemake(tmp_path, "vocab", **config)
    metadata = (tmp_path / "data" / "demo" / "metadata.csv").read_text(encoding="utf-8")
    assert "wavs/vi_007.wav|bà kể chuyện cổ tích cho các cháu.\n" in metadata
    assert f"wavs/{removed}.wav" not in metadata
    assert planned_jobs(snakemake(tmp_path, "-n", "vocab", **config).stdout) == []

    # a newer f5flow whose records hold another fact (RECORD_FORMAT raised): every unit again,
    # so no old record meets a check it lacks the fact for
    newer = tmp_path / "newer_f5flow"
    newer.mkdir()
    (newer / "sitecustomize.py").write_text("import f5flow.records\nf5flow.records.RECORD_FORMAT += 1\n")
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(newer), os.environ.get("PYTHONPATH")]))}
    jobs = planned_jobs(snakemake(tmp_path, "-n", "vocab", env=env, **config).stdout)
    every_unit = jobunits.assign_units(discover(str(demo_copy)).entries, 4, 2)
    assert sorted(unit for rule, unit in jobs if rule == "resample_unit") == sorted(every_unit)

    # the speaker check's limits are stage 1's alone; switched off, stage 0 embeds no voices
    # (every unit again, and again when it is switched back on)
    def speaker_check(settings: str) -> list:
        extra = tmp_path / "speaker_check.yaml"
        extra.write_text(f"quality:\n  speaker_outlier:\n    {settings}\n", encoding="utf-8")
        return planned_jobs(snakemake(tmp_path, "-n", "vocab", configfile=[DEMO_CONFIG, extra], **config).stdout)

    assert sorted(speaker_check("deviations: 5")) == sorted(aggregates)
    assert sorted(u for rule, u in speaker_check("action: 'off'") if rule == "resample_unit") == sorted(every_unit)


def test_stage_targets_stop_after_their_stage(tmp_path, demo_copy):
    snakemake(tmp_path, "resample", input_dir=demo_copy, dataset_name="demo")
    data = tmp_path / "data" / "demo"
    assert len(os.listdir(tmp_path / "work" / "demo" / "records")) == 8
    assert not data.exists()  # wavs/ holds the kept clips: published with metadata.csv
    snakemake(tmp_path, "metadata", input_dir=demo_copy, dataset_name="demo")
    assert (data / "metadata.csv").exists() and not (data / "vocab.txt").exists()
    snakemake(tmp_path, "vocab", input_dir=demo_copy, dataset_name="demo")
    assert (data / "vocab.txt").exists() and not (tmp_path / "ckpts").exists()
    snakemake(tmp_path, "extend", input_dir=demo_copy, dataset_name="demo")
    ckpts = tmp_path / "ckpts" / "demo"
    assert (ckpts / "pretrained_model_tiny.safetensors").exists() and not (data / "raw.arrow").exists()
    snakemake(tmp_path, "features", input_dir=demo_copy, dataset_name="demo")
    assert (data / "raw.arrow").exists() and not (ckpts / "finetune_complete.json").exists()
    assert not (ckpts / "model_last.pt").exists()


def test_bad_configuration_stops_at_start_with_the_key(tmp_path):
    # the real default names no data: the message says what to give (no schema dump)
    proc = snakemake(tmp_path, "-n", check=False, configfile=None)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "input_dir, dataset_name missing" in output
    assert "--configfile config/demo.yaml" in output and "Failed validating" not in output
    proc = snakemake(tmp_path, "-n", check=False, input_dir=tmp_path / "missing", dataset_name="x")
    assert proc.returncode != 0 and "input_dir" in proc.stdout + proc.stderr
    proc = snakemake(tmp_path, "-n", check=False, input_dir=DEMO, dataset_name="x", shard_size=0)
    assert proc.returncode != 0 and "shard_size" in proc.stdout + proc.stderr


def test_config_errors_are_a_line_each_naming_the_key(tmp_path):
    cases = [
        ({"foo": 1}, "config key foo: unknown; the keys are dataset_name,"),
        ({"finetune": "{epoch: 3}"}, "config key finetune.epoch: unknown; did you mean finetune.epochs?"),
        ({"dataset_name": "my voice"}, "config key dataset_name: 'my voice' is not allowed: use letters, digits"),
        ({"input_split": "train dev"}, "config key input_split: 'train dev' is not allowed: use split names"),
        ({"quality": "{silence: {action: warn}}"}, "config key quality.silence.action: 'warn' is not one of flag, drop"),
    ]  # fmt: skip
    for extra, said in cases:
        config = {"input_dir": DEMO, "dataset_name": "x", **extra}
        proc = snakemake(tmp_path, "-n", check=False, **config)
        output = proc.stdout + proc.stderr
        assert proc.returncode != 0 and said in output, output[-3000:]
        assert len(output.splitlines()) <= 15 and "Failed validating" not in output, output[-3000:]


def test_local_profile_limits_gpu_jobs_to_its_gpu_count(tmp_path):
    two_gpus = tmp_path / "two_gpus.yaml"
    two_gpus.write_text("finetune:\n  gpus: 2\n")
    plans = {}
    for profile in ([], ["--profile", str(REPO / "profiles" / "local")]):
        # a workstation with two GPUs (this machine has none: the GPU check is told)
        proc = snakemake(tmp_path, "-n", "finetune", *profile, configfile=(DEMO_CONFIG, two_gpus),
                         env={"F5FLOW_GPU_COUNT": "2"}, input_dir=DEMO, dataset_name="demo")
        block = proc.stdout[proc.stdout.index("rule finetune_model:"):]
        plans[bool(profile)] = re.search(r"resources: .*", block).group(0)
        assert ("resample_unit", "s0of8") in planned_jobs(proc.stdout)
    assert "gpu=2" in plans[False] and "gpu=1" in plans[True], plans


def test_job_unit_size_does_not_change_the_results(tmp_path, hostile_dir):
    outputs = {}
    for shard_size in (1, 7):
        workdir = tmp_path / f"shard_{shard_size}"
        snakemake(workdir, "vocab", input_dir=hostile_dir, dataset_name="h", shard_size=shard_size, min_units=1)
        data = workdir / "data" / "h"
        outputs[shard_size] = {
            name: (data / name).read_bytes()
            for name in ("metadata.csv", "vocab_h.txt", "rejected.tsv", "quality.tsv", "vocab.txt")
        }
        outputs[shard_size]["wavs"] = tree_digest(data / "wavs")
    units = len(list((tmp_path / "shard_1" / "work" / "h" / "records").iterdir()))
    assert units > len(list((tmp_path / "shard_7" / "work" / "h" / "records").iterdir())) > 1
    assert outputs[1] == outputs[7]


def test_a_moved_project_reruns_nothing(tmp_path, demo_run):
    # The finished demo project (outputs, Snakemake's records, the recordings), copied with its
    # mtimes to another path: no stage has anything new to read.
    moved = tmp_path / "elsewhere"
    shutil.copytree(demo_run, moved)
    dry = snakemake(moved, "-n", input_dir=moved / "recordings", dataset_name="demo")
    assert planned_jobs(dry.stdout) == [], dry.stdout[-3000:]
    # Nothing Snakemake compares holds where this Python environment keeps the pretrained vocab
    # or where the project was: another environment or location changes none of it.
    site = os.path.dirname(PRETRAINED_VOCAB)
    for record in (moved / ".snakemake" / "metadata").iterdir():
        text = record.read_text(encoding="utf-8", errors="replace")
        assert site not in text and str(demo_run) not in text, record.name
