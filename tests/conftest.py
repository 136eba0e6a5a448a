"""Shared helpers: real audio files, real Snakemake runs on temporary copies."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "resources" / "demo"


def write_wav(path, seconds=2.0, rate=22050, channels=1, subtype="PCM_16"):
    """Speech (input_fixtures.speech: what stage 0's voice activity check keeps), from a place
    that follows from the file's name, so two files are two recordings."""
    import zlib

    import input_fixtures

    voice = input_fixtures.speech(rate)
    start = zlib.crc32(os.path.basename(str(path)).encode()) % len(voice)
    wave = 0.3 * np.resize(np.roll(voice, -start), int(round(seconds * rate)))
    data = np.stack([wave] * channels, axis=1) if channels > 1 else wave
    soundfile.write(str(path), data, rate, subtype=subtype)


def tree_digest(folder) -> dict[str, str]:
    """File name -> sha256 of its bytes, for everything under `folder` (names kept as bytes)."""
    folder = os.fsencode(folder)
    digest = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            rel = os.fsdecode(os.path.relpath(path, folder))
            if os.path.isdir(path):
                digest[rel] = "<dir>"
            else:
                with open(path, "rb") as f:
                    digest[rel] = hashlib.sha256(f.read()).hexdigest()
    return digest


DEMO_CONFIG = REPO / "config" / "demo.yaml"


def snakemake_command(workdir, *args, configfile=DEMO_CONFIG, **config) -> list[str]:
    """The workflow's CLI in `workdir` with the demo's config (or the config files given; None:
    only the workflow's default, the real model) plus `config`."""
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
    ]
    configfiles = [configfile] if isinstance(configfile, (str, Path)) else list(configfile or ())
    if configfiles:
        cmd += ["--configfile", *map(str, configfiles)]
    # after --configfile, which takes every argument up to the next option
    cmd += ["--cores", "2"]
    cmd += list(args)  # before --config, which takes every argument after it
    if config:
        cmd += ["--config"] + [f"{k}={v}" for k, v in config.items()]
    return cmd


def snakemake(workdir, *args, check=True, env=None, configfile=DEMO_CONFIG, **config):
    """Run the real workflow CLI (see snakemake_command); fail with its output unless check=False."""
    cmd = snakemake_command(workdir, *args, configfile=configfile, **config)
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def wait_for_saved_update(log, proc, at_least: int, timeout: float = 300) -> list[int]:
    """The updates the Trainer reported saving to model_last.pt, read from the fine-tune's rule
    log until one is >= at_least, `proc` (the running workflow) ends, or `timeout` passes."""
    saved = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        text = log.read_text(errors="replace") if log.exists() else ""
        saved = [int(n) for n in re.findall(r"Saved last checkpoint at update (\d+)", text)]
        if saved and saved[-1] >= at_least:
            break
        time.sleep(0.2)
    return saved


def logged_updates(checkpoint_dir, tag: str = "loss") -> list[int]:
    """Every update the tensorboard log holds an event for, in the order written, duplicates kept
    (tensorboard's reader would otherwise drop an update trained twice as out of order)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(checkpoint_dir / "runs" / "F5flow_Tiny"), size_guidance={"scalars": 0},
                              purge_orphaned_data=False)
    events.Reload()
    return [e.step for e in events.Scalars(tag)]


def assert_trained_every_update_once(checkpoint_dir, updates: int = 60) -> dict:
    """A stopped and resumed fine-tune ended at the planned update, each update trained once."""
    done = json.loads((checkpoint_dir / "finetune_complete.json").read_text())
    assert done["finished_at_update"] == updates  # continued to the planned end, not `updates` more
    assert logged_updates(checkpoint_dir) == list(range(1, updates + 1))
    return done


def hf_cache(root, files: dict):
    """A Hugging Face cache (HF_HOME=root) holding `files` (name in the repo -> local file) as
    revision main of SWivid/F5-TTS, laid out as huggingface_hub writes it."""
    import shutil

    repo = root / "hub" / "models--SWivid--F5-TTS"
    commit = "1" * 40
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    for name, source in files.items():
        target = repo / "snapshots" / commit / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    return {"HF_HOME": str(root), "HF_HUB_OFFLINE": "1"}


# What the fine-tune writes beside the checkpoints it starts from.
TRAINING_OUTPUTS = ("finetune_complete.json", "finetune_run.json", "training_history.log", "runs",
                    "validation.jsonl", "best_model.pt")  # fmt: skip


def copy_of_demo_run(demo_run, workdir, trained=True) -> dict:
    """The session's finished demo project (see demo_run) copied into `workdir` with its mtimes,
    so a test starts where the stages it does not test are done: Snakemake finds the copy up to
    date (the workflow tracks inputs by content, never by absolute path; test_workflow checks
    it). trained=False leaves out what the fine-tune wrote, so the copy's next run starts at
    stage 5. Returns the config to run the copy with."""
    import shutil

    shutil.copytree(demo_run, workdir, symlinks=True, dirs_exist_ok=True)
    if not trained:
        ckpts = Path(workdir) / "ckpts" / "demo"
        log = Path(workdir) / "logs" / "demo" / "finetune_model.log"  # tests follow the new one
        for path in list(ckpts.glob("model_*.pt")) + [ckpts / name for name in TRAINING_OUTPUTS] + [log]:
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    return {"input_dir": Path(workdir) / "recordings", "dataset_name": "demo"}


@pytest.fixture
def demo_copy(tmp_path):
    """A private copy of the demo recordings (mtimes kept)."""
    import shutil

    target = tmp_path / "recordings"
    shutil.copytree(DEMO, target)
    return target


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The whole demo workflow on a copy of the demo (dataset "demo"), run once per session."""
    import shutil

    root = tmp_path_factory.mktemp("demo_run")
    shutil.copytree(DEMO, root / "recordings")
    proc = snakemake(root, input_dir=root / "recordings", dataset_name="demo")
    (root / "console.txt").write_text(proc.stderr, encoding="utf-8")  # what the user saw
    return root
