"""The job's side of the fine-tune: `accelerate launch`, one process per GPU (CPU when none)."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys

from .. import interrupts


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
    return cmd + ["-m", "f5flow.training.trainer", settings_path]


def write_settings(settings: dict, settings_path: str) -> None:
    """The trainer's settings file (the rule's output: what the job trained with)."""
    with open(settings_path, "w", encoding="utf-8") as f:
        json.dump(settings, f, indent=2, ensure_ascii=False)


def run(settings: dict, settings_path: str, gpus: int, mixed_precision: str, log) -> int:
    """Run the fine-tune to its end and return the launcher's exit status.

    A cancelled or timed-out SLURM job (or Ctrl-C) signals every process at once. The trainer then
    finishes its update and saves model_last.pt; this process must outlive it, because SLURM kills
    what is left of a job step once its main process has exited. So it ignores the signal and, as
    a child subreaper, also waits for the trainer when the launcher above it exits first. A stop
    sent to Snakemake alone is passed on to this job (f5flow.interrupts); when Snakemake is
    killed outright, this process stops the training itself.
    """
    write_settings(settings, settings_path)
    cmd = accelerate_command(gpus, mixed_precision, settings_path)
    print("running:", " ".join(cmd), file=log, flush=True)
    subreaper = _become_subreaper()
    received: list[int] = []

    def stop_training():  # Snakemake was killed (kill -9): no trainer outlives it
        print("Snakemake ended during the fine-tune: stopping the training (it saves "
              "model_last.pt; the next run resumes from it)", file=log, flush=True)
        interrupts.signal_descendants(signal.SIGTERM)

    watching = interrupts.watch_snakemake(stop_training)
    previous = {
        signum: signal.signal(signum, lambda signum, frame: received.append(signum))
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        # The launcher starts with SIGINT and SIGTERM blocked (a mask survives exec; its child
        # inherits it and the trainer takes them with sigwait, training/stopping.py): accelerate's
        # launcher, when signalled, terminates the trainer and kills it 5 s later, before a
        # large model's save is done, and a second signal (the group's Ctrl-C beside the one
        # f5flow.interrupts passes on) makes it kill at once.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, interrupts.STOPS)
        try:
            launcher = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        status = launcher.wait()
        if subreaper:
            _wait_for_orphans()
    finally:
        watching.set()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        names = ", ".join(sorted({signal.Signals(s).name for s in received}))
        print(f"stopped by {names}: re-run to resume from model_last.pt", file=log, flush=True)
        return status or 128 + received[0]
    return status


def _become_subreaper() -> bool:
    """Linux prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are re-parented to this process."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # 36 = PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _wait_for_orphans() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
