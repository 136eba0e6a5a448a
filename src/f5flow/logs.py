"""Logging for Snakemake `script:` entry points: everything to the rule's log file."""

from __future__ import annotations

import contextlib
import logging
import sys


def to_file(path: str) -> None:
    # Line-buffered so a failing job's log is complete when Snakemake shows it.
    stream = open(path, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the job
    sys.stderr = stream
    logging.basicConfig(
        stream=stream,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


@contextlib.contextmanager
def failing_cleanly(*errors: type[BaseException]):
    """Turn the expected errors into one clear log line and a failed job, not a stack trace."""
    try:
        yield
    except errors as err:
        logging.getLogger("f5flow").error("%s", err)
        sys.exit(1)
