"""Start the fine-tune through `accelerate launch`, one process per GPU (CPU when none)."""

from __future__ import annotations

import json
import subprocess
import sys


def accelerate_command(gpus: int, mixed_precision: str, settings_path: str) -> list[str]:
    # Every accelerate option is given, so no `accelerate config` file is needed or consulted
    # for these, and no prompt or default-value warning appears.
    cmd = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--num_machines",
        "1",
        "--dynamo_backend",
        "no",
        "--mixed_precision",
        mixed_precision if gpus else "no",
    ]
    if gpus == 0:
        cmd += ["--cpu", "--num_processes", "1"]
    else:
        cmd += ["--num_processes", str(gpus)] + (["--multi_gpu"] if gpus > 1 else [])
    return cmd + ["-m", "f5flow.finetune", settings_path]


def run(settings: dict, settings_path: str, gpus: int, mixed_precision: str, log) -> int:
    with open(settings_path, "w", encoding="utf-8") as f:
        json.dump(settings, f, indent=2, ensure_ascii=False)
    cmd = accelerate_command(gpus, mixed_precision, settings_path)
    print("running:", " ".join(cmd), file=log, flush=True)
    return subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
