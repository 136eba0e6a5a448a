"""Recovering from a killed run with the plain command.

`kill -9` (or a lost terminal, a reboot) leaves Snakemake's lock files in `.snakemake/locks`, and
the next run refuses to start until `--unlock`. The main Snakemake process of every f5flow run
holds an exclusive `flock` on `.snakemake/f5flow.run.lock` for its whole life; the kernel drops it
when the process dies, however it dies. A run that gets the flock therefore knows no other f5flow
run is alive in this folder, and removes the lock files left behind (saying so). A run that does
not get it leaves everything to Snakemake's own locking. (Jobs that were running when the run
was killed are marked incomplete; the workflow profile's `rerun-incomplete` re-runs them.)
"""

from __future__ import annotations

import fcntl
import os
import shutil

RUN_LOCK = "f5flow.run.lock"
_held: list[int] = []  # open descriptors: the flock lives as long as this process


def claim(snakemake_dir: str) -> str | None:
    """Take this folder's run lock; remove stale Snakemake locks. Returns what was done, if any."""
    os.makedirs(snakemake_dir, exist_ok=True)
    fd = os.open(os.path.join(snakemake_dir, RUN_LOCK), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None  # another f5flow run is alive here
    _held.append(fd)
    locks = os.path.join(snakemake_dir, "locks")
    if os.path.isdir(locks) and os.listdir(locks):
        shutil.rmtree(locks)
        return (
            "f5flow: removed the lock left by an interrupted run (no other run is active in "
            "this folder)"
        )
    return None
