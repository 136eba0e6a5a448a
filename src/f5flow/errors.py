"""The one exception family of f5flow, and where its messages reach the user.

Every error a user can fix (bad input, bad configuration, files that do not fit together) is an
`F5flowError` whose message says what is wrong and what to do. Scripts turn exactly these into a
failed job with that message (`rulescript.run`); anything else is a bug and keeps its traceback.

A job's message is said once, as the console's last lines: the job records it
(`record_cause`) and the Snakemake the user started prints what its jobs recorded when it exits
(`say_causes_at_exit`), after Snakemake's own block of failed jobs, logs and hints. Cluster jobs
record theirs in the same project folder.
"""

from __future__ import annotations

import atexit
import glob
import os
import sys

# the failed jobs' causes of the current run, in the project's .snakemake folder
CAUSES = os.path.join(".snakemake", "f5flow_causes")


class F5flowError(Exception):
    """A problem the user can fix; the message names the cause and the fix."""


def record_cause(rule: str, message: str) -> None:
    """A job's fixable error, for the run's last lines (run in the job, in the project folder)."""
    os.makedirs(CAUSES, exist_ok=True)
    with open(os.path.join(CAUSES, f"{rule}.{os.getpid()}.txt"), "w", encoding="utf-8") as f:
        f.write(f"{rule}: {message}\n")


def say_causes_at_exit() -> None:
    """In the Snakemake the user started: forget an earlier run's causes now, and print this
    run's as the last lines when the process exits."""
    folder = os.path.abspath(CAUSES)
    for path in glob.glob(os.path.join(folder, "*.txt")):
        os.remove(path)
    atexit.register(_say_causes, folder)


def _say_causes(folder: str) -> None:
    paths = sorted(glob.glob(os.path.join(folder, "*.txt")), key=os.path.getmtime)
    causes = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            cause = f.read().rstrip()
        if cause not in causes:
            causes.append(cause)
    if causes:
        print("\nf5flow: the run stopped because of\n" + "\n".join(causes), file=sys.__stderr__, flush=True)
