"""kill -9 of the whole run during stages 0-1, then the same command again: it finishes, and the
outputs are byte-identical to an uninterrupted run's."""

import os
import signal
import subprocess
import time

import pytest

import input_fixtures
from conftest import snakemake, snakemake_command, tree_digest

pytestmark = pytest.mark.workflow

CLIPS = 12  # one a unit: each unit job imports torch (the speaker encoder), about 3 s


def outputs(workdir):
    data = workdir / "data" / "ds"
    digest = tree_digest(data)
    digest.pop("wavs/.snakemake_timestamp", None)  # Snakemake's own mark, a time
    return digest


def test_kill_9_then_the_same_command_finishes_identically(tmp_path):
    inputs = tmp_path / "input"
    writer = input_fixtures.Writer(str(inputs))
    for i in range(CLIPS):
        sentence = input_fixtures.SENTENCES[i % len(input_fixtures.SENTENCES)] + f" số {i}."
        writer.clip(f"clip{i:02d}", sentence, seconds=4.0)
    args = dict(input_dir=inputs, dataset_name="ds", shard_size=1)
    interrupted = tmp_path / "interrupted"
    cmd = snakemake_command(interrupted, "metadata", **{k: str(v) for k, v in args.items()})
    run = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
    records = interrupted / "work" / "ds" / "records"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        if records.is_dir() and len(os.listdir(records)) >= 3:
            break
        time.sleep(0.05)
    assert run.poll() is None, "the run ended before it could be killed"
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert os.listdir(interrupted / ".snakemake" / "locks"), "kill -9 left no lock: test is moot"
    assert len(os.listdir(records)) < CLIPS

    again = snakemake(interrupted, "metadata", check=False, **args)
    assert again.returncode == 0, again.stderr
    assert "removed the lock left by an interrupted run" in again.stderr
    snakemake(tmp_path / "clean", "metadata", **args)
    assert outputs(interrupted) == outputs(tmp_path / "clean")
    assert len(outputs(interrupted)) > CLIPS  # the wavs and the tables were compared
