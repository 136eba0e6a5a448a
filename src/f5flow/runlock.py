"""Recovering from a killed run with the plain command.

`kill -9` (or a lost terminal, a reboot) leaves Snakemake's lock files in `.snakemake/locks`, and
the next run refuses to start until `--unlock`. The main Snakemake process of every f5flow run
holds an exclusive `flock` on `.snakemake/f5flow.run.lock` for its whole life; the kernel drops it
when the process dies, however it dies. A run that gets the flock therefore knows no other f5flow
run on this machine is alive in this folder, and removes the lock files left behind (saying so).
The run lock records the host that took it last: on a shared file system a run on another login
node may not see this host's flock, so locks left by a run of another host are not touched
(Snakemake's own message and `--unlock` apply). A run that does not get the flock leaves
everything to Snakemake's own locking. (Jobs that were running when the run was killed are marked
incomplete; the workflow profile's `rerun-incomplete` re-runs them.)
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket

RUN_LOCK = "f5flow.run.lock"
_held: list[int] = []  # open descriptors: the flock lives as long as this process


def claim(snakemake_dir: str, host: str | None = None) -> str | None:
    """Take this folder's run lock; remove stale Snakemake locks. Returns what was done, if any."""
    host = host or socket.gethostname()
    os.makedirs(snakemake_dir, exist_ok=True)
    fd = os.open(os.path.join(snakemake_dir, RUN_LOCK), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None  # another f5flow run is alive here
    _held.append(fd)
    previous_host = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    os.ftruncate(fd, 0)
    os.pwrite(fd, (host + "\n").encode(), 0)
    locks = os.path.join(snakemake_dir, "locks")
    if not (os.path.isdir(locks) and os.listdir(locks)):
        return None
    if previous_host and previous_host != host:
        return (
            f"f5flow: Snakemake's lock was left by a run on {previous_host}; if no run is active "
            "there, remove it with `snakemake --unlock` (same options)"
        )
    shutil.rmtree(locks)
    return (
        "f5flow: removed the lock left by an interrupted run (no other run is active in this "
        "folder)"
    )
