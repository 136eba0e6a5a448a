"""A stop that reaches only Snakemake reaches its jobs too, and a job outlives no Snakemake.

Ctrl-C in a terminal signals the whole process group: every job gets it (the fine-tune saves
model_last.pt and exits). A `kill -INT PID`, a terminal multiplexer, a job manager or an IDE's
stop button signals the Snakemake process alone. Snakemake's local executor then waits for the
running jobs (SIGINT) or lets them run to their end (SIGTERM), so the fine-tune trained on to
its last update and the job was marked failed.

`forward_stops` (the Snakefile's `onstart`, after Snakemake installed its own SIGTERM handler)
passes SIGINT and SIGTERM to every process below Snakemake, then stops Snakemake as Ctrl-C
does. A cluster job is stopped by the cluster (the executor's cancel, SLURM's SIGTERM), not from
here. `watch_snakemake` covers what no handler sees (kill -9 of Snakemake): the job stops its
training when the Snakemake above it is gone.
"""

from __future__ import annotations

import os
import signal
import threading

import psutil

STOPS = (signal.SIGINT, signal.SIGTERM)
POLL_SECONDS = 1.0


def signal_descendants(signum: int) -> None:
    """Send signum to every process below this one."""
    for child in psutil.Process().children(recursive=True):
        try:
            child.send_signal(signum)
        except psutil.Error:  # ended meanwhile
            pass


def forward_stops() -> None:
    """In the Snakemake process: a stop signal goes to the jobs first, then stops Snakemake
    (the first one; later ones only reach the jobs, while Snakemake waits for them to save)."""
    state = {"stopping": False}

    def forward(signum, frame):
        signal_descendants(signum)
        if not state["stopping"]:
            state["stopping"] = True
            raise KeyboardInterrupt  # what Snakemake does on Ctrl-C: cancel, wait for the jobs

    for signum in STOPS:
        signal.signal(signum, forward)


def snakemake_above() -> psutil.Process | None:
    """The nearest Snakemake process above this one (None when there is none)."""
    for parent in psutil.Process().parents():
        try:
            # `python -m snakemake` or the `snakemake` script (not the job's shell, whose command
            # names .snakemake/scripts)
            if any(os.path.basename(part) == "snakemake" for part in parent.cmdline()[:3]):
                return parent
        except psutil.Error:
            continue
    return None


def watch_snakemake(on_gone) -> threading.Event:
    """Call on_gone() once if the Snakemake above this process ends first (kill -9); set the
    returned event to stop watching."""
    done = threading.Event()
    above = snakemake_above()
    if above is None:
        return done

    def gone() -> bool:
        try:  # a killed Snakemake its parent has not reaped yet is gone too
            return not above.is_running() or above.status() == psutil.STATUS_ZOMBIE
        except psutil.Error:
            return True

    def watch():
        while not done.wait(POLL_SECONDS):
            if gone():
                on_gone()
                return

    threading.Thread(target=watch, name="watch-snakemake", daemon=True).start()
    return done
