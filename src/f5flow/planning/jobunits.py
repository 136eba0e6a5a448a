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
from typing import NamedTuple

import orjson

from . import forked, layouts, listing
from ..records import Entry, no_cycle_collection, parse_audio_ref

MANIFEST_SUFFIX = ".json"
# What planning found, for processes that do not list the input folder again (cluster jobs).
PLAN_FILE = "plan.json"
# The input folder's state the manifests were last written for (pairs layout), with the settings
# and code that planned them: when all are the same, planning stops after the stats.
STATE_FILE = "input_state.txt"

ROWS_PER_CHUNK = layouts.huggingface.ROWS_PER_CHUNK
# The `unit` wildcard matches exactly the ids `unit_id` makes (rules/common.smk constrains it).
UNIT_WILDCARD = r"[fs][0-9a-f]+(of[0-9]+)?"


def _digest(name: str) -> bytes:
    return hashlib.blake2b(name.encode("utf-8", "surrogateescape"), digest_size=8).digest()


_TOLD_APART = re.compile(r"~[0-9a-f]{8}\Z")  # the tag discovery adds to colliding names


def unit_name(entry: Entry) -> str:
    """The name that decides an entry's unit: its clip name before discovery told it apart from
    another (entries whose names collide share a unit, where they are told apart); a second file
    of a stem (`duplicate_name`, named by its file) goes with the stem's clip."""
    name = listing.clip_name(entry.name) if entry.problem == "duplicate_name" else entry.name
    return _base_name(name)


def unit_key(entry: Entry, root: str | None = None) -> int:
    """An entry's unit key (see _key). The rows of a dataset file go in runs of neighbours, run k
    to the unit after run k-1's (the file's hash plus k), so the runs spread evenly over the
    units. In a parquet file below `root` a run is one row group: each unit decompresses its own
    groups only, and the units get equal numbers of groups (runs of ROWS_PER_CHUNK rows cut
    groups of 100 into runs of two and three groups: units of 1000 to 1400 rows of 10,000).
    Elsewhere (arrow files, read row by row) a run is ROWS_PER_CHUNK rows."""
    audio = entry.audio
    if audio is not None and "#row=" in audio:
        path, row, _ = parse_audio_ref(audio)
        if root is not None and path.endswith(".parquet"):
            run = layouts.huggingface.row_group(os.path.join(root, path), row)
        else:
            run = row // ROWS_PER_CHUNK
        return (_key(path) + run) % (1 << 64)
    return _key(unit_name(entry))


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
    entries: list[Entry], shard_size: int, min_units: int = 1, root: str | None = None
) -> dict[str, list[Entry]]:
    """Group entries into job units; keys sorted, members in the entries' order. (The grouping
    planning uses for the pairs layouts, from the entries' unit keys.) root: where the entries'
    files are (dataset files' row groups are read from there)."""
    if shard_size < 1 or min_units < 1:
        raise ValueError("shard_size and min_units must be >= 1")
    keys = b"".join(forked.map_slices(_keys_of_entries, (entries, root), len(entries)))
    order, groups = _group_by_unit(keys, len(entries), shard_size, min_units)
    order = order.tolist()
    return {unit: [entries[i] for i in order[first:last]] for unit, first, last in groups}


def _keys_of_entries(job: tuple[list[Entry], str | None], start: int, stop: int) -> bytes:
    # (a million entries in a table layout: in forked processes)
    entries, root = job
    return array.array("Q", [unit_key(e, root) for e in entries[start:stop]]).tobytes()


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


def write_manifest(path: str, entries: list[Entry]) -> bool:
    """A manifest of `entries`, rewritten only when its content changed (True then)."""
    return _write_if_changed(path, manifest_bytes(entries))


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


def write_manifests(units: dict[str, list[Entry]], folder: str, layout: str, found: str = "", root: str = "") -> list[str]:
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
    _write_plan(folder, units, layout, found, root)
    return changed


def _write_plan(folder: str, unit_ids, layout: str, found: str, root: str) -> None:
    keep = _planned_files(unit_ids)
    for name in os.listdir(folder):
        if name not in keep:
            os.remove(os.path.join(folder, name))
    plan = {"layout": layout, "found": found, "root": root, "units": sorted(unit_ids)}
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


def read_plan(folder: str) -> Plan:
    """What the last planning wrote (see PLAN_FILE)."""
    with open(os.path.join(folder, PLAN_FILE), encoding="utf-8") as f:
        plan = json.load(f)
    return Plan(plan["units"], plan["layout"], plan["found"], plan["root"])


def read_manifest(path: str) -> list[Entry]:
    with open(path, "rb") as f:
        return [Entry.from_row(row) for row in json.loads(f.read())]


class Plan(NamedTuple):
    units: list[str]
    layout: str  # how the input is read
    found: str  # what was found: recordings and transcripts
    root: str  # the folder the entries' paths are relative to


def plan(input_dir: str, layout: str, shard_size: int, min_units: int, folder: str, options: dict | None = None) -> Plan:
    """Discovery, units and their manifests (what every start-up does)."""
    options = options or {}
    # absolute: rows naming audio outside the folder keep a path that holds from any directory
    where = input_dir if layouts.hub.is_hub_dataset(input_dir) else os.path.abspath(input_dir)
    settings = _settings(where, layout, shard_size, min_units, {k: v for k, v in options.items() if k != "fetch"})
    state_file = os.path.join(folder, STATE_FILE)
    known = _read_state(state_file, settings)
    planned = _complete_plan(folder) if known else None
    if planned is None:
        known = ""  # a manifest or the plan was removed: written again
    read = layouts.read_folder(input_dir, layout, options)  # (messages name it as configured)
    with no_cycle_collection():
        if read.entries is None:
            return _plan_pairs(read, shard_size, min_units, folder, settings, known, input_dir,
                               options.get("transcribe", False)) or planned  # fmt: skip
        # a table or manifests: their rows are read at each start, so there is no state to keep
        _remove(state_file)
        units = assign_units(listing.named_and_sorted(read.entries + read.problems), shard_size, min_units, read.root)
        found = _found(read.recordings, read.transcripts)
        write_manifests(units, folder, read.how, found, read.root)
    return Plan(sorted(units), read.how, found, read.root)


def _found(recordings: int, transcripts: int) -> str:
    return f"{recordings} recordings, {transcripts} transcripts"


def _remove(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)


def _plan_pairs(read, shard_size: int, min_units: int, folder: str, settings: str, known: str, input_dir: str,
                transcribe: bool = False):  # fmt: skip
    """plan() in a pairs layout; None when the folder is in the `known` state.

    The parent process only lists: forked processes stat the files and hash each file's unit
    name (a file's unit follows from its name alone, so the files are grouped by unit before any
    entry exists), then make each unit's entries and manifest (a million entries built in one
    process, sorted and hashed there, were most of a start-up). When the names are those of the
    known state, the stats alone tell whether anything changed."""
    files, problems, naming = read.files, read.problems, read.naming
    names = listing.listing_state(files, problems)
    same_names = known.startswith(names + ":")
    scanned = forked.map_slices(_scan_slice, (read.root, files, naming if not same_names else None), len(files))
    stamps = b"".join(part[0] for part in scanned)
    state = f"{names}:{listing.digest(stamps)}"
    if state == known:
        return None
    if same_names:  # a file changed in place: its unit keys were not needed until now
        scanned = forked.map_slices(_keys_slice, (files, naming), len(files))
    keys = b"".join(part[-2] for part in scanned)
    kinds = b"".join(part[-1] for part in scanned)
    recordings, transcripts, pairs = _count_pairs(keys, kinds)
    if not pairs and not (transcribe and recordings):
        # nothing to decode: stop before the units do, naming what was found
        raise layouts.no_layout(
            input_dir,
            f"{recordings} recordings and {transcripts} {naming.label} transcripts, none beside a "
            "recording of the same name",
        )

    # the files, then the problems: one entry per file, less one per recording paired with its
    # transcript, plus the problems
    keys += array.array("Q", [unit_key(p) for p in problems]).tobytes()
    order, groups = _group_by_unit(keys, len(files) - pairs + len(problems), shard_size, min_units)

    _remove(os.path.join(folder, STATE_FILE))  # a killed planning must not leave it beside other manifests
    os.makedirs(folder, exist_ok=True)
    job = (files, array.array("q", stamps), problems, order, groups, folder, naming)
    forked.map_slices(_unit_slice, job, len(groups), min_items=64)
    units = [unit for unit, _, _ in groups]
    found = _found(recordings, transcripts)
    _write_plan(folder, units, read.how, found, read.root)
    _write_if_changed(os.path.join(folder, STATE_FILE), f"{settings}\n{state}\n".encode())
    return Plan(sorted(units), read.how, found, read.root)


def _group_by_unit(keys: bytes, n_entries: int, shard_size: int, min_units: int):
    """Items in unit order, from their unit keys (uint64 bytes): (order, [(unit id, first,
    last), ...]) where order[first:last] are the indices of a unit's items, in their order;
    units sorted by id. n_entries sizes the unit count."""
    import numpy as np  # (only here: sorting a million unit keys)

    keys = np.frombuffer(keys, dtype=np.uint64)
    if shard_size == 1:
        buckets = keys
        ids = "f{:016x}".format
    else:
        n_units = unit_count(n_entries, shard_size, min_units)
        buckets = keys % np.uint64(n_units)
        ids = lambda bucket: unit_id_of_bucket(bucket, n_units)  # noqa: E731
    order = np.argsort(buckets, kind="stable")  # stable: each unit's items in their order
    ordered = buckets[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))).tolist()
    units = [ids(bucket) for bucket in ordered[starts].tolist()]
    return order, list(zip(units, starts, starts[1:] + [len(order)]))


def _count_pairs(keys: bytes, kinds: bytes) -> tuple[int, int, int]:
    """(recordings, transcripts, recordings with a transcript) among the listed files, from
    _keys_slice's keys and kinds (a pair told by the unit key: names that collide count once)."""
    import numpy as np

    keys = np.frombuffer(keys, dtype=np.uint64)
    kinds = np.frombuffer(kinds, dtype=np.uint8)
    audio, transcripts = keys[kinds == listing.AUDIO], keys[kinds == listing.TRANSCRIPT]
    pairs = np.intersect1d(_distinct(audio), _distinct(transcripts), assume_unique=True).size
    return len(audio), len(transcripts), pairs


def _distinct(values):
    """The distinct values, sorted (np.unique, 20 times faster at a million uint64s)."""
    import numpy as np

    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def _keys_slice(job: tuple[list[str], listing.PairsNaming], start: int, stop: int) -> tuple[bytes, bytes]:
    """Each file's unit key (of the clip name its stem gives, or of its own path when it is
    neither audio nor transcript) and its kind (PairsNaming.split), as uint64 and uint8 bytes:
    what unit_name and _key give the entry the file becomes."""
    files, naming = job
    keys, kinds = array.array("Q"), bytearray()
    split, blake2b, from_bytes = naming.split, hashlib.blake2b, int.from_bytes
    for rel in files[start:stop]:
        stem, kind = split(rel)
        name = listing.stem_name(stem) if kind in (listing.AUDIO, listing.TRANSCRIPT) else rel
        if "~" in name:
            name = _base_name(name)
        digest = blake2b(name.encode("utf-8", "surrogateescape"), digest_size=8).digest()
        keys.append(from_bytes(digest, "big"))
        kinds.append(kind)
    return keys.tobytes(), bytes(kinds)


def _scan_slice(job: tuple, start: int, stop: int) -> tuple[bytes, ...]:
    """The files' stats (listing.stat_slice), and their keys (_keys_slice) when a naming is given."""
    root, files, naming = job
    stamps = listing.stat_slice((root, files), start, stop)
    return (stamps, *_keys_slice((files, naming), start, stop)) if naming else (stamps,)


def _unit_slice(job: tuple, start: int, stop: int) -> None:
    """Entries and manifests of the units groups[start:stop] (see _plan_pairs)."""
    files, stamps, problems, order, groups, folder, naming = job
    n_files = len(files)
    for unit, first, last in groups[start:stop]:
        indices = order[first:last].tolist()
        entries = naming.entries(files, [i for i in indices if i < n_files], stamps)
        entries += [problems[i - n_files] for i in indices if i >= n_files]
        data = manifest_bytes(listing.named_and_sorted(entries))
        _write_if_changed(os.path.join(folder, unit + MANIFEST_SUFFIX), data)


def _settings(root: str, layout: str, shard_size: int, min_units: int, options: dict) -> str:
    # this code's own bytes: a change to how entries or units are made plans everything again
    code = hashlib.blake2b(digest_size=8)
    for path in (listing.__file__, __file__, layouts.__file__):
        with open(path, "rb") as f:
            code.update(f.read())
    return json.dumps([root, layout, shard_size, min_units, options, code.hexdigest()], ensure_ascii=True, sort_keys=True)


def _read_state(path: str, settings: str) -> str:
    """The input state planned last with these settings, or ""."""
    try:
        with open(path, encoding="ascii") as f:
            known_settings, state = f.read().splitlines()
    except (OSError, ValueError):
        return ""
    return state if known_settings == settings else ""


def _complete_plan(folder: str) -> Plan | None:
    """The last plan (read_plan) if its folder holds exactly the files it wrote, else None."""
    try:
        planned = read_plan(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return planned if set(os.listdir(folder)) == _planned_files(planned.units) else None
