"""Job units of stages 0-1: which entries run together, and the ids Snakemake sees.

One entry per unit (`shard_size` 1: id `f<hash>`), or the names hashed into a power-of-two
number of buckets (id `s<bucket>of<count>`). A power of two keeps each bucket's membership fixed
while files are added, until the count doubles: adding a recording re-runs one unit. The name
hashed is the clip name before discovery told colliding names apart (`unit_name`), so a unit
follows from a file's name alone: in the pairs layout planning groups the files by unit first and
makes each unit's entries apart, in forked processes (a million entries made, sorted and hashed
in the Snakemake process were most of a start-up).

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
import re

import orjson

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


_TOLD_APART = re.compile(r"~[0-9a-f]{8}\Z")  # the tag discovery adds to colliding names


def unit_name(entry: Entry) -> str:
    """The name that decides an entry's unit: its clip name before discovery told it apart from
    another (entries whose names collide share a unit, where they are told apart); a second file
    of a stem (`duplicate_name`, named by its file) goes with the stem's clip."""
    name = inputs.clip_name(entry.name) if entry.problem == "duplicate_name" else entry.name
    return _base_name(name)


def _base_name(name: str) -> str:
    return name[:-9] if "~" in name and _TOLD_APART.search(name) else name


def _key(name: str) -> int:
    """An entry's unit key (of its unit_name): the unit is key % unit count, or the key itself
    with shard_size 1."""
    return int.from_bytes(_digest(name), "big")


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
            units.setdefault(unit_id(unit_name(entry), 1, 1), []).append(entry)
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
        "L", [_key(unit_name(e)) % n_units for e in entries[start:stop]]
    ).tobytes()


def manifest_bytes(entries: list[Entry]) -> bytes:
    """ASCII JSON (any name round-trips), the same bytes whichever encoder wrote them: orjson
    (4.5x json's speed on the rows of a million recordings) where its output is ASCII, json's
    own escapes where a row holds other characters."""
    try:
        data = orjson.dumps(entries, default=tuple)  # an Entry is a named tuple: a JSON array
        if data.isascii():
            return data
    except TypeError:  # what orjson cannot encode (a lone surrogate): json escapes it
        pass
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
    _write_plan(folder, units, layout)
    return changed


def _write_plan(folder: str, unit_ids, layout: str) -> None:
    keep = _planned_files(unit_ids)
    for name in os.listdir(folder):
        if name not in keep:
            os.remove(os.path.join(folder, name))
    plan = {"layout": layout, "units": sorted(unit_ids)}
    _write_if_changed(os.path.join(folder, PLAN_FILE), json.dumps(plan, indent=1).encode())


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
    listing = inputs.read_folder(root, layout)
    if not (listing.files or listing.problems or listing.entries):  # named as configured
        raise inputs.InputDirError(f"config key input_dir: {input_dir} holds no files")
    with no_cycle_collection():
        if listing.entries is None:
            return _plan_pairs(listing, shard_size, min_units, folder, settings, known) or planned
        # a table or manifests: their rows are read at each start, so there is no state to keep
        _remove(state_file)
        units = assign_units(inputs.named_and_sorted(listing.entries + listing.problems), shard_size, min_units)
        write_manifests(units, folder, listing.how)
    return sorted(units), listing.how


def _remove(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)


def _plan_pairs(listing, shard_size: int, min_units: int, folder: str, settings: str, known: str):
    """plan() in the pairs layout; None when the folder is in the `known` state.

    The parent process only lists: forked processes stat the files and hash each file's unit
    name (a file's unit follows from its name alone, so the files are grouped by unit before any
    entry exists), then make each unit's entries and manifest (a million entries built in one
    process, sorted and hashed there, were most of a start-up). When the names are those of the
    known state, the stats alone tell whether anything changed."""
    files, problems = listing.files, listing.problems
    names = inputs.listing_state(files, problems)
    same_names = known.startswith(names + ":")
    scanned = forked.map_slices(_scan_slice, (listing.root, files, not same_names), len(files))
    stamps = b"".join(part[0] for part in scanned)
    state = f"{names}:{inputs.digest(stamps)}"
    if state == known:
        return None
    if same_names:  # a file changed in place: its unit keys were not needed until now
        scanned = forked.map_slices(_keys_slice, files, len(files))
    keys = b"".join(part[-2] for part in scanned)
    kinds = b"".join(part[-1] for part in scanned)
    order, groups = _group_by_unit(keys, kinds, problems, shard_size, min_units)

    _remove(os.path.join(folder, STATE_FILE))  # a killed planning must not leave it beside other manifests
    os.makedirs(folder, exist_ok=True)
    job = (files, array.array("q", stamps), problems, order, groups, folder)
    forked.map_slices(_unit_slice, job, len(groups), min_items=64)
    units = [unit for unit, _, _ in groups]
    _write_plan(folder, units, listing.how)
    _write_if_changed(os.path.join(folder, STATE_FILE), f"{settings}\n{state}\n".encode())
    return sorted(units), listing.how


def _group_by_unit(keys: bytes, kinds: bytes, problems: list[Entry], shard_size: int, min_units: int):
    """The files (then the problems) in unit order: (order, [(unit id, first, last), ...]) where
    order[first:last] are the indices of a unit's files (and, from len(files) on, problems), in
    listing order. keys, kinds: _keys_slice's, of every file."""
    import numpy as np  # (only here: sorting a million unit keys)

    keys = np.frombuffer(keys, dtype=np.uint64)
    kinds = np.frombuffer(kinds, dtype=np.uint8)
    # entries: one per file, less one per recording paired with its transcript, plus the problems
    # (a pair told by the unit key: names that collide count once)
    audio, transcripts = _distinct(keys[kinds == inputs.AUDIO]), _distinct(keys[kinds == inputs.TRANSCRIPT])
    n_entries = len(keys) - np.intersect1d(audio, transcripts, assume_unique=True).size + len(problems)
    keys = np.concatenate([keys, np.array([_key(unit_name(p)) for p in problems], np.uint64)])
    if shard_size == 1:
        buckets = keys
        ids = "f{:016x}".format
    else:
        n_units = unit_count(n_entries, shard_size, min_units)
        buckets = keys % np.uint64(n_units)
        ids = lambda bucket: unit_id_of_bucket(bucket, n_units)  # noqa: E731
    order = np.argsort(buckets, kind="stable")  # stable: each unit's files in listing order
    ordered = buckets[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))).tolist()
    units = [ids(bucket) for bucket in ordered[starts].tolist()]
    return order, list(zip(units, starts, starts[1:] + [len(order)]))


def _distinct(values):
    """The distinct values, sorted (np.unique, 20 times faster at a million uint64s)."""
    import numpy as np

    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def _keys_slice(files: list[str], start: int, stop: int) -> tuple[bytes, bytes]:
    """Each file's unit key (of the clip name its stem gives, or of its own path when it is
    neither audio nor transcript) and its kind (inputs.split), as uint64 and uint8 bytes."""
    keys, kinds = array.array("Q"), bytearray()
    # _key(_base_name(inputs.stem_name(...))) and inputs.split, inlined: two million files
    kind_of, split, sep, blake2b, from_bytes = inputs.KINDS.get, inputs.split, os.sep, hashlib.blake2b, int.from_bytes
    for rel in files[start:stop]:
        stem, _, suffix = rel.rpartition(".")
        kind = kind_of(suffix)
        if kind is None:
            stem, kind = split(rel)
        name = stem.replace(sep, inputs.NAME_SEPARATOR).replace("|", "_") if kind else rel
        if "~" in name:
            name = _base_name(name)
        digest = blake2b(name.encode("utf-8", "surrogateescape"), digest_size=8).digest()
        keys.append(from_bytes(digest, "big"))
        kinds.append(kind)
    return keys.tobytes(), bytes(kinds)


def _scan_slice(job: tuple[str, list[str], bool], start: int, stop: int) -> tuple[bytes, ...]:
    """The files' stats (inputs.stat_slice), and their keys (_keys_slice) when asked for."""
    root, files, with_keys = job
    stamps = inputs.stat_slice((root, files), start, stop)
    return (stamps, *_keys_slice(files, start, stop)) if with_keys else (stamps,)


def _unit_slice(job: tuple, start: int, stop: int) -> None:
    """Entries and manifests of the units groups[start:stop] (see _plan_pairs)."""
    files, stamps, problems, order, groups, folder = job
    n_files = len(files)
    for unit, first, last in groups[start:stop]:
        indices = order[first:last].tolist()
        entries = inputs.paired_entries(files, [i for i in indices if i < n_files], stamps)
        entries += [problems[i - n_files] for i in indices if i >= n_files]
        data = manifest_bytes(inputs.named_and_sorted(entries))
        _write_if_changed(os.path.join(folder, unit + MANIFEST_SUFFIX), data)


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
