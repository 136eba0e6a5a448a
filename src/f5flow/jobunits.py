"""Job units of stages 0-1: which entries run together, and the ids Snakemake sees.

One entry per unit (`shard_size` 1: id `f<hash>`), or the names hashed into a power-of-two
number of buckets (id `s<bucket>of<count>`). A power of two keeps each bucket's membership fixed
while files are added, until the count doubles: adding a recording re-runs one unit.
"""

from __future__ import annotations

import hashlib
import math

from .inputs import Entry

# The `unit` wildcard matches exactly the ids `unit_id` makes (rules/common.smk constrains it).
UNIT_WILDCARD = r"[fs][0-9a-f]+(of[0-9]+)?"


def _digest(name: str) -> bytes:
    return hashlib.blake2b(name.encode("utf-8", "surrogateescape"), digest_size=8).digest()


def unit_count(n_entries: int, shard_size: int, min_units: int = 1) -> int:
    """Number of hash buckets: the power of two at or above n_entries / shard_size and min_units.

    The floor keeps a small dataset in enough units to fill the cores (empty buckets make no job).
    """
    needed = max(1, min_units, math.ceil(n_entries / shard_size))
    return 1 << (needed - 1).bit_length()


def unit_id(name: str, shard_size: int, n_units: int) -> str:
    """The job unit of an entry: its own (shard_size 1) or a hash bucket of names."""
    digest = _digest(name)
    if shard_size == 1:
        return "f" + digest.hex()
    bucket = int.from_bytes(digest, "big") % n_units
    width = len(str(n_units - 1))
    return f"s{bucket:0{width}d}of{n_units}"


def assign_units(
    entries: list[Entry], shard_size: int, min_units: int = 1
) -> dict[str, list[Entry]]:
    """Group entries into job units; keys sorted, members in name order."""
    if shard_size < 1 or min_units < 1:
        raise ValueError("shard_size and min_units must be >= 1")
    n_units = unit_count(len(entries), shard_size, min_units)
    units: dict[str, list[Entry]] = {}
    for entry in entries:
        units.setdefault(unit_id(entry.name, shard_size, n_units), []).append(entry)
    return dict(sorted(units.items()))
