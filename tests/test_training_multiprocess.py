"""A stop signal reaching two training processes and their launcher, in either order, ends with
one model_last.pt saved at an update both processes agreed on (2 CPU processes, gloo)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
import torch

from f5flow.training import settings
from f5flow.training.trainer import HISTORY

pytestmark = pytest.mark.workflow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


@pytest.mark.parametrize("order", ["workers_first", "launcher_first"])
def test_two_process_stop_saves_once(tmp_path, demo_run, order):
    ckpts = tmp_path / "ckpts"
    ckpts.mkdir()
    shutil.copy(demo_run / "ckpts" / "demo" / "pretrained_model_tiny.safetensors", ckpts)
    demo = json.loads((demo_run / "work" / "demo" / "finetune_settings.json").read_text())
    job = settings.build("demo", str(demo_run / "data" / "demo" / "raw.arrow"),
                         str(demo_run / "data" / "demo" / "duration.json"),
                         str(demo_run / "data" / "demo" / "vocab.txt"),
                         str(ckpts / "pretrained_model_tiny.safetensors"), demo["backbone"], demo["arch"],
                         1, {**demo["train"], "epochs": 100, "last_per_updates": 1000})
    # 5 batches x 100 epochs shared by 2 processes: the progress lines count to 250
    job["planned_updates"] = 250
    (tmp_path / "settings.json").write_text(json.dumps(job))
    log = tmp_path / "train.log"
    # accelerate's launcher starts one process on the CPU; torch's (which it runs for GPUs) two
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
           "--master_port", str(free_port()), "-m", "f5flow.training.trainer", str(tmp_path / "settings.json")]
    with open(log, "w") as out:
        launcher = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                    env={**os.environ, "ACCELERATE_USE_CPU": "true", "OMP_NUM_THREADS": "1"})
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and launcher.poll() is None:
            reached = re.findall(r"update (\d+)/250", log.read_text(errors="replace"))
            if reached and int(reached[-1]) >= 10:
                break
            time.sleep(0.2)
        workers = children(launcher.pid)
        assert launcher.poll() is None and len(workers) == 2, log.read_text()[-3000:]
        targets = workers + [launcher.pid] if order == "workers_first" else [launcher.pid] + workers
        # as SLURM does at scancel (every process), then the launcher forwarding it again
        for pid in targets + workers:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass  # already ended: what is asserted below is whether it saved first
            time.sleep(0.02)
        launcher.wait(timeout=120)
    text = log.read_text(errors="replace")
    history = (ckpts / HISTORY).read_text()
    print(history)
    stops = re.findall(r"saved model_last.pt at update (\d+); stopping", history)
    assert len(stops) == 1, text[-3000:]
    saved = torch.load(ckpts / "model_last.pt", map_location="cpu", weights_only=True)
    assert saved["update"] == int(stops[0]) >= 10
    assert "2 process(es)" in history
