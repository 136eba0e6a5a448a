"""Job units of stages 0-1: which entries run together, and the ids Snakemake sees.

One entry per unit (`shard_size` 1: id `f<hash>`), or the names hashed into a power-of-two
number of buckets (id `s<bucket>of<count>`). A power of two keeps each bucket's membership fixed
while files are added, until the count doubles: adding a recording re-runs one unit.

Each unit's entries (names, files, and each file's size and mtime) are its manifest,
`UNIT.json`, the unit's input. Planning rewrites a manifest only when its content changed, so a
changed, added or removed recording or transcript makes its unit's manifest newer than the
unit's outputs and Snakemake re-runs that unit, and only that one. (Before, the entries were the
unit's `params`: Snakemake then kept and compared a million of them on every start.) When the
folder's names, sizes and mtimes are those the manifests were written from (STATE_FILE), planning
stops after the stats: the entries, units and manifests would all be the same.
"""

from __future__ import annotations

import array
import hashlib
import json
import math
import os

from . import forked, inputs
from .inputs import Entry
from .records import no_cycle_collection

MANIFEST_SUFFIX = ".json"
# What planning found, for processes that do not list the input folder again (cluster jobs).
PLAN_FILE = "plan.json"
# The input folder's state the manifests were last written for (pairs layout), with the settings
# and code that planned them: when all are the same, planning stops after the stats.
STATE_FILE = "input_state.txt"

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
    return unit_id_of_bucket(int.from_bytes(digest, "big") % n_units, n_units)


def unit_id_of_bucket(bucket: int, n_units: int) -> str:
    width = len(str(n_units - 1))
    return f"s{bucket:0{width}d}of{n_units}"


def assign_units(
    entries: list[Entry], shard_size: int, min_units: int = 1
) -> dict[str, list[Entry]]:
    """Group entries into job units; keys sorted, members in the entries' order."""
    if shard_size < 1 or min_units < 1:
        raise ValueError("shard_size and min_units must be >= 1")
    units: dict[str, list[Entry]] = {}
    if shard_size == 1:
        for entry in entries:
            units.setdefault(unit_id(entry.name, 1, 1), []).append(entry)
        return dict(sorted(units.items()))
    n_units = unit_count(len(entries), shard_size, min_units)
    ids = [unit_id_of_bucket(bucket, n_units) for bucket in range(n_units)]
    members: list[list[Entry]] = [[] for _ in ids]
    buckets = array.array("L")
    for chunk in forked.map_slices(_bucket_slice, (entries, n_units), len(entries)):
        buckets.frombytes(chunk)
    for entry, bucket in zip(entries, buckets):
        members[bucket].append(entry)
    return {unit: m for unit, m in sorted(zip(ids, members)) if m}


def _bucket_slice(job: tuple[list[Entry], int], start: int, stop: int) -> bytes:
    # unit_id's bucket, without its string per entry: a million names at every start-up
    entries, n_units = job
    return array.array(
        "L", [int.from_bytes(_digest(e[0]), "big") % n_units for e in entries[start:stop]]
    ).tobytes()


def manifest_bytes(entries: list[Entry]) -> bytes:
    # ASCII JSON: any name round-trips, and json's C encoder does a million rows in about a second
    return json.dumps(entries, separators=(",", ":")).encode("ascii")


def _write_if_changed(path: str, data: bytes) -> bool:
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    except FileNotFoundError:
        pass
    part = path + ".part"
    with open(part, "wb") as f:
        f.write(data)
    os.replace(part, path)  # a killed planning leaves the old manifest or the new one, whole
    return True


def write_manifests(units: dict[str, list[Entry]], folder: str, layout: str) -> list[str]:
    """Each unit's manifest in `folder`, rewritten only where it changed; manifests of units that
    no longer exist removed; the plan (layout, unit ids) beside them. Returns the changed units."""
    os.makedirs(folder, exist_ok=True)
    items = list(units.items())
    # JSON of a million entries and reading the old manifests back: in forked processes
    changed = [
        unit
        for chunk in forked.map_slices(_write_slice, (items, folder), len(items), min_items=64)
        for unit in chunk
    ]
    keep = _planned_files(units)
    for name in os.listdir(folder):
        if name not in keep:
            os.remove(os.path.join(folder, name))
    plan = {"layout": layout, "units": sorted(units)}
    _write_if_changed(os.path.join(folder, PLAN_FILE), json.dumps(plan, indent=1).encode())
    return changed


def _planned_files(units) -> set[str]:
    """What planning keeps in its folder: each unit's manifest, the plan, the input state."""
    return {unit + MANIFEST_SUFFIX for unit in units} | {PLAN_FILE, STATE_FILE}


def _write_slice(job: tuple[list, str], start: int, stop: int) -> list[str]:
    items, folder = job
    return [
        unit
        for unit, entries in items[start:stop]
        if _write_if_changed(os.path.join(folder, unit + MANIFEST_SUFFIX), manifest_bytes(entries))
    ]


def read_plan(folder: str) -> tuple[list[str], str]:
    """The unit ids and the layout the last planning wrote (see PLAN_FILE)."""
    with open(os.path.join(folder, PLAN_FILE), encoding="utf-8") as f:
        plan = json.load(f)
    return plan["units"], plan["layout"]


def read_manifest(path: str) -> list[Entry]:
    with open(path, "rb") as f:
        return [Entry.from_row(row) for row in json.loads(f.read())]


def plan(input_dir: str, layout: str, shard_size: int, min_units: int, folder: str):
    """Discovery, units and their manifests (what every start-up does): (unit ids, layout)."""
    # absolute: rows naming audio outside the folder keep a path that holds from any directory
    root = os.path.abspath(input_dir)
    settings = _settings(root, layout, shard_size, min_units)
    state_file = os.path.join(folder, STATE_FILE)
    known = _read_state(state_file, settings)
    planned = _complete_plan(folder) if known else None
    if planned is None:
        known = ""  # a manifest or the plan was removed: written again
    found = inputs.discover(root, layout, known)
    if found.unchanged:
        return planned
    if not found.entries:  # named as configured
        raise inputs.InputDirError(f"config key input_dir: {input_dir} holds no files")
    if os.path.exists(state_file):
        os.remove(state_file)  # a killed planning must not leave it beside other manifests
    with no_cycle_collection():
        units = assign_units(found.entries, shard_size, min_units)
        write_manifests(units, folder, found.layout)
    if found.state:
        _write_if_changed(state_file, f"{settings}\n{found.state}\n".encode())
    return sorted(units), found.layout


def _settings(root: str, layout: str, shard_size: int, min_units: int) -> str:
    # this code's own bytes: a change to how entries or units are made plans everything again
    code = hashlib.blake2b(digest_size=8)
    for path in (inputs.__file__, __file__):
        with open(path, "rb") as f:
            code.update(f.read())
    return json.dumps([root, layout, shard_size, min_units, code.hexdigest()], ensure_ascii=True)


def _read_state(path: str, settings: str) -> str:
    """The input state planned last with these settings, or ""."""
    try:
        with open(path, encoding="ascii") as f:
            known_settings, state = f.read().splitlines()
    except (OSError, ValueError):
        return ""
    return state if known_settings == settings else ""


def _complete_plan(folder: str) -> tuple[list[str], str] | None:
    """The last plan (read_plan) if its folder holds exactly the files it wrote, else None."""
    try:
        planned = read_plan(folder)
    except (OSError, ValueError, KeyError):
        return None
    return planned if set(os.listdir(folder)) == _planned_files(planned[0]) else None
