"""The one way every Snakemake `script:` of f5flow runs: its log, and how it fails.

    with rulescript.run(snakemake):
        ...

Everything the job logs goes to the rule's log file. An `F5flowError` (a problem the user can
fix) ends the job with its message, in the log and, as the run's last lines, on the console
(errors.record_cause), and no traceback; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys

from . import records
from .errors import F5flowError, record_cause
from .whole import written

log = logging.getLogger("f5flow")


def log_to_file(path: str) -> None:
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
def run(snakemake, collect_cycles: bool = True):
    """Log to the job's log file; turn an F5flowError into one clear message and a failed job.

    collect_cycles=False for the aggregates, which hold a record per recording
    (records.no_cycle_collection).
    """
    log_to_file(snakemake.log[0])
    try:
        with records.no_cycle_collection() if not collect_cycles else contextlib.nullcontext():
            yield
    except F5flowError as err:
        log.error("%s", err)
        # the console too, once, as the run's last lines (Snakemake prints only the log's path
        # unless --show-failed-logs): errors.say_causes_at_exit
        record_cause(snakemake.rule, str(err))
        sys.exit(1)
    except Exception as err:
        record_cause(snakemake.rule, f"{type(err).__name__}: {err} (a bug in f5flow, not a problem "
                                     f"of your data or config: the traceback is in {snakemake.log[0]})")
        raise


def say(message: str) -> None:
    """A line for the job's log and the console (what a person should see without opening logs)."""
    log.info("%s", message)
    print(message, file=sys.__stderr__, flush=True)


def write_json(path: str, data: dict) -> None:
    """A JSON output: UTF-8 as it is (Vietnamese stays readable), indented, newline-terminated."""
    with written(path) as partial, open(partial, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
