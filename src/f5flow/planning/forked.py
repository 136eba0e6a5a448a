"""Planning's per-file work in forked processes: what every Snakemake start-up does for a
million recordings (stats, unit hashes, manifests) on all the cores it may use.

The work is `function(data, start, stop)` over slices of `data`. The processes are forked after
`data` exists, so they inherit it: only two indices go to each slice, and only the slice's
(small, picklable) result comes back. Below `min_items`, or where fork is missing (Windows), it
runs in this process: starting processes costs more than a few thousand items.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

MIN_ITEMS = 50_000
# Planning on a shared login node: a few processes, not one per core of a 128-core machine.
MAX_PROCESSES = 8
SLICES_PER_PROCESS = 4  # small enough that one slow slice does not hold the others up

_JOB: tuple[Callable, object] | None = None  # set in each forked process only


def processes() -> int:
    if "fork" not in mp.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(MAX_PROCESSES, cores or 1)


def _inherit(function: Callable, data) -> None:
    # a forked process's initializer: its arguments are inherited, not pickled
    global _JOB
    _JOB = (function, data)


def _run_slice(start: int, stop: int):
    function, data = _JOB
    return function(data, start, stop)


def map_slices(function: Callable, data, n_items: int, min_items: int | None = None) -> list:
    """[function(data, start, stop) for consecutive slices covering range(n_items)], in order."""
    workers = processes()
    if n_items < (MIN_ITEMS if min_items is None else min_items) or workers < 2:
        return [function(data, 0, n_items)]
    n_slices = min(n_items, workers * SLICES_PER_PROCESS)
    bounds = [n_items * i // n_slices for i in range(n_slices + 1)]
    context = mp.get_context("fork")
    with ProcessPoolExecutor(workers, context, initializer=_inherit, initargs=(function, data)) as pool:
        try:
            return list(pool.map(_run_slice, bounds[:-1], bounds[1:]))
        except BaseException:
            pool.shutdown(cancel_futures=True)  # nobody will wait for the other slices (Ctrl-C)
            raise
