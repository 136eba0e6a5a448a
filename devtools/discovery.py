"""Every input of a folder in one process: what the tests compare planning's entries with."""

from __future__ import annotations

import array
from dataclasses import dataclass

from f5flow.planning import listing
from f5flow.planning.layouts import read_folder
from f5flow.records import Entry, no_cycle_collection


@dataclass
class Discovery:
    entries: list[Entry]
    layout: str  # what was found and how it is read, for the log


def discover(input_dir: str, layout: str = "auto", options: dict | None = None) -> Discovery:
    """Every input as entries sorted by name (planning makes a pairs layout's entries per job
    unit, in forked processes: jobunits.plan)."""
    read = read_folder(input_dir, layout, options)
    with no_cycle_collection():
        entries = read.entries
        if entries is None:
            stamps = array.array("q", listing.stat_slice((read.root, read.files), 0, len(read.files)))
            entries = read.naming.entries(read.files, range(len(read.files)), stamps)
        return Discovery(listing.named_and_sorted(entries + read.problems), read.how)
