"""Input discovery: every file of the input folder becomes part of exactly one `Entry`.

Three layouts are recognised without configuration (config key `input_layout` forces one):

- `table`: a `metadata.csv` at the top. With the header `audio_file|text` (F5-TTS's own format)
  each row names its audio file (relative to the folder, or absolute); without a header it is
  LJSpeech's `ID|text` or `ID|text|normalized` with the audio in `wavs/ID.wav`, and the text is
  the `normalized` column where a row has one (the dataset author's reading), else `text`.
- `manifest`: JSON-lines manifests (`*.jsonl`, or NeMo's `*.json` holding one object per line)
  at the top, each line `{"audio_filepath": ..., "text": ..., "duration": ...}`; paths relative
  to the manifest or absolute; `duration` is not trusted (the audio is measured).
- `pairs`: `NAME.<audio>` + `NAME.txt` side by side, flat or in nested folders.

A clip's name is its audio file's path below the input folder without the (last) suffix, folders
joined by `__` (`spk1/ch1/a.wav` -> `spk1__ch1__a`, `a.b.wav` -> `a.b`), `|` replaced by `_` (metadata.csv's delimiter); names
that still collide get `~` and a hash of their path. In a table the names are taken below `wavs/`
(LJSpeech's IDs). The records keep each clip's input file, so
quality.tsv holds the whole mapping. Hidden and system files (`.DS_Store`, `._*`, `Thumbs.db`,
`__MACOSX/`, ...) are not read and are counted as ignored.

Discovery runs at every Snakemake start-up: it lists the folder, stats the audio and transcript
files and reads the table or manifests, and opens nothing else.
"""

from __future__ import annotations

import array
import hashlib
import json
import os
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from .errors import F5flowError
from .records import no_cycle_collection

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac")
TRANSCRIPT_SUFFIX = ".txt"
TABLE_FILE = "metadata.csv"
MANIFEST_SUFFIXES = (".jsonl", ".json")
F5_TABLE_HEADER = ("audio_file", "text")
# where LJSpeech and F5-TTS tables keep the audio; clip names are taken below it
TABLE_AUDIO_DIR = "wavs"
LAYOUTS = ("auto", "pairs", "table", "manifest")
# Written by operating systems and file managers, never by a dataset's author.
SYSTEM_NAMES = {"thumbs.db", "desktop.ini", "__macosx", "$recycle.bin", "system volume information"}
NAME_SEPARATOR = "__"
# reasons of entries that are no clip candidates (not counted in the rejected share)
IGNORED = "ignored_system_file"


class InputDirError(F5flowError):
    """The configured input folder cannot be used at all."""


class Entry(NamedTuple):
    """One recording with its transcript, or one input that cannot be one.

    `problem` is set when discovery alone decides the entry's fate (its files are then not read).
    A named tuple: a million are made at every start-up, and this is the cheapest immutable
    record Python has (and json writes it as a list, the unit manifest's row).
    """

    name: str
    audio: str | None = None
    transcript: str | None = None  # a .txt file, or TABLE:LINE when `text` comes from a table
    text: str | None = None  # the transcript as read from a table or manifest row
    problem: str | None = None
    detail: str = ""
    # size and mtime_ns of the entry's files (audio, then a transcript file), flat: written into
    # the job unit's manifest, so that a changed recording or transcript rewrites the manifest and
    # re-runs its unit without each file being a declared input (a table row's text is itself in
    # the manifest)
    stamps: tuple = ()

    @property
    def file(self) -> str:
        """The input a report names for this entry."""
        return self.audio or self.transcript or self.name

    @classmethod
    def from_row(cls, row: list) -> Entry:
        """An entry back from its manifest row (json made the tuples lists)."""
        return cls(*row[:-1], tuple(row[-1]))


# Unicode categories Cc (control characters) and Cs (surrogates: bytes that were not UTF-8,
# as os.listdir hands them over), as one pattern: discovery checks every name of the folder.
_UNSAFE_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def unsafe_name_reason(name: str) -> str | None:
    """Why a file name cannot travel through line-based files and tools, or None if it can."""
    found = _UNSAFE_CHAR.search(name)
    if found is None:
        return None
    if _SURROGATE.search(name):
        return "file name is not valid UTF-8: rename the file"
    return f"file name contains control character U+{ord(found.group()):04X}: rename the file"


def printable(name: str) -> str:
    """A name safe for a report line (repr() of what is not)."""
    return name if unsafe_name_reason(name) is None else repr(name)[1:-1]


def is_system_name(name: str) -> bool:
    return name.startswith(".") or name.lower() in SYSTEM_NAMES


def clip_name(relative_audio: str) -> str:
    """The clip name of an audio file below the input folder (see the module docstring)."""
    # (a million calls per start-up: splitext, a Python function, only where there is a dot)
    return stem_name(os.path.splitext(relative_audio)[0] if "." in relative_audio else relative_audio)


def _stamp(path: str, dir_fd: int | None = None) -> tuple[int, int]:
    """(size, mtime_ns) of a file (a relative path from dir_fd: a quarter cheaper than the whole
    path); (-1, -1) when it went away since the listing (the unit then reports it unreadable)."""
    try:
        st = os.stat(path, dir_fd=dir_fd)
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


# Listing and stat'ing a million recordings is most of each start-up, so the common case (a
# folder of plainly named files) costs one C-level check per folder, and the stats are shared
# among processes.
_SEPARATOR = "/"  # joins a folder's names for those checks: no name can hold it


def _any_name_flagged(names: list[str]) -> bool:
    """Whether any of a folder's names is unsafe, hidden or a system name (checked together)."""
    joined = _SEPARATOR + _SEPARATOR.join(names) + _SEPARATOR
    if _UNSAFE_CHAR.search(joined) or _SEPARATOR + "." in joined:
        return True
    lowered = joined.lower()
    return any(f"{_SEPARATOR}{system}{_SEPARATOR}" in lowered for system in SYSTEM_NAMES)


def _name_problem(rel: str, name: str, kind: str) -> Entry | None:
    unsafe = unsafe_name_reason(name)
    if unsafe:
        return Entry(name=printable(rel), problem="unsafe_name", detail=unsafe)
    if is_system_name(name):
        return _ignored(rel, f"hidden or system {kind}")
    return None


def _list(root: str) -> tuple[list[str], list[Entry]]:
    """Relative paths of the files below root (in the order each folder lists them: stats in
    that order are a third cheaper), plus entries for what cannot be an input. Hidden, system
    and unsafely named folders are not entered. Nothing is stat'ed here."""
    files: list[str] = []
    problems: list[Entry] = []
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        prefix = rel_dir + os.sep if rel_dir else ""
        names, others = [], []
        with os.scandir(os.path.join(root, rel_dir)) as it:
            for dirent in it:
                if dirent.is_file():  # from the listing's file type (a link: its target's)
                    names.append(dirent.name)
                else:
                    others.append(dirent)
        if _any_name_flagged(names):
            kept = []
            for name in names:
                problem = _name_problem(prefix + name, name, "file")
                if problem:
                    problems.append(problem)
                else:
                    kept.append(name)
            names = kept
        files += [prefix + name for name in names] if prefix else names
        for dirent in others:
            rel = prefix + dirent.name
            problem = _name_problem(rel, dirent.name, "folder" if dirent.is_dir() else "file")
            if problem:
                problems.append(problem)
            elif dirent.is_dir(follow_symlinks=False):
                stack.append(rel)
            else:
                problems.append(
                    Entry(name=rel, problem="not_a_file", detail="a broken link or special file")
                )
    return files, problems


def stat_slice(job: tuple[str, list[str]], start: int, stop: int) -> bytes:
    """Size and mtime_ns of files[start:stop] below root, flat, as int64 bytes (forked.map_slices
    work: see _stamp)."""
    root, files = job
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    stamps = array.array("q")
    try:
        for rel in files[start:stop]:
            stamps.extend(_stamp(rel, fd))
    finally:
        os.close(fd)
    return stamps.tobytes()


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def listing_state(files: list[str], problems: list[Entry]) -> str:
    """A digest of what the listing found (every name, and each name's problem)."""
    names = "\0".join(files).encode("utf-8", "surrogateescape")
    return digest(names + repr(problems).encode("utf-8", "surrogateescape"))


def _ignored(rel: str, kind: str) -> Entry:
    return Entry(name=printable(rel), problem=IGNORED, detail=f"{kind}: not read")


def _audio_suffix(rel: str) -> bool:
    return os.path.splitext(rel)[1].lower() in AUDIO_SUFFIXES


# What a listed file is in the pairs layout, by its suffix (without the dot, lower case).
AUDIO, TRANSCRIPT = 1, 2  # 0: neither
KINDS = {suffix[1:]: AUDIO for suffix in AUDIO_SUFFIXES} | {TRANSCRIPT_SUFFIX[1:]: TRANSCRIPT}
_new_entry = tuple.__new__  # Entry(...) without its Python-level __new__: a million per start-up


def split(rel: str) -> tuple[str, int]:
    """(stem, AUDIO or TRANSCRIPT) of a listed file in the pairs layout, or (rel, 0) when it is
    neither. (os.path.splitext's split, faster: planning splits every name. A listed name never
    starts with a dot, those are hidden, so a recognised suffix always has a stem before it.)"""
    stem, dot, suffix = rel.rpartition(".")
    kind = KINDS.get(suffix)
    if kind is None and dot and os.sep not in suffix:
        kind = KINDS.get(suffix.lower())
    return (stem, kind) if kind else (rel, 0)


def stem_name(stem: str) -> str:
    """The clip name of a stem (an audio file's path without its suffix): see clip_name."""
    return stem.replace(os.sep, NAME_SEPARATOR).replace("|", "_")


def paired_entries(files: list[str], indices, stamps) -> list[Entry]:
    """Entries of files[i] for i in indices in the pairs layout: each recording with the
    transcript of its stem, and what is neither. stamps: size, mtime_ns, size, ... of `files`.

    Every file of a stem must be among the indices (planning groups the files by their clip
    name, which a stem decides)."""
    audio: dict[str, int] = {}  # stem -> index in files
    transcripts: dict[str, int] = {}
    extra: list[tuple[bool, str, int]] = []  # a second file of a stem (a.wav beside a.WAV)
    entries = []
    kind_of = KINDS.get
    for i in indices:
        rel = files[i]
        stem, _, suffix = rel.rpartition(".")  # split(rel), inlined for its common case
        kind = kind_of(suffix)
        if kind is None:
            stem, kind = split(rel)
        if kind == AUDIO:
            if audio.setdefault(stem, i) != i:
                extra.append((True, stem, i))
        elif kind == TRANSCRIPT:
            if transcripts.setdefault(stem, i) != i:
                extra.append((False, stem, i))
        else:
            entries.append(
                Entry(
                    name=rel,
                    problem="unsupported_file",
                    detail=f"expected audio ({' '.join(AUDIO_SUFFIXES)}) with a .txt transcript",
                )
            )
    # a.wav beside a.WAV or a.flac would both become wavs/a.wav: keep the first by name
    duplicates: dict[tuple[bool, str], list[int]] = {}
    for is_audio, stem, i in extra:
        kind = audio if is_audio else transcripts
        duplicates.setdefault((is_audio, stem), [kind[stem]]).append(i)
    for (is_audio, stem), found in duplicates.items():
        first, *others = sorted(found, key=files.__getitem__)
        (audio if is_audio else transcripts)[stem] = first
        for i in others:
            entries.append(Entry(name=files[i], problem="duplicate_name", detail=f"same name as {files[first]}"))
    for stem, a in audio.items():
        t = transcripts.pop(stem, None)
        name = stem.replace(os.sep, NAME_SEPARATOR).replace("|", "_")  # stem_name(stem), inlined
        if t is None:
            entries.append(Entry(name, files[a], None, problem="missing_transcript",
                                 detail=f"no {os.path.basename(stem)}.txt beside it",
                                 stamps=(stamps[2 * a], stamps[2 * a + 1])))  # fmt: skip
        else:
            pair = (stamps[2 * a], stamps[2 * a + 1], stamps[2 * t], stamps[2 * t + 1])
            entries.append(_new_entry(Entry, (name, files[a], files[t], None, None, "", pair)))
    for stem, t in transcripts.items():
        entries.append(Entry(stem_name(stem), None, files[t], problem="missing_audio",
                             detail=f"no recording beside {files[t]} "
                                    f"(looked for {'/'.join(AUDIO_SUFFIXES)})",
                             stamps=(stamps[2 * t], stamps[2 * t + 1])))  # fmt: skip
    return entries


def _rows_entries(root, files, rows, origin_name, kind) -> tuple[list[Entry], set[str]]:
    """Entries of (line, audio path as written, text) rows; the audio files they use."""
    entries, used = [], {}
    for line, audio_path, row_text in rows:
        origin = f"{origin_name}:{line}"
        absolute = os.path.normpath(os.path.join(root, os.path.dirname(origin_name), audio_path))
        rel = os.path.relpath(absolute, root)
        inside = not rel.startswith(os.pardir + os.sep)
        audio = rel if inside else absolute
        st = _stamp(absolute) if not inside or rel in files else None
        if st == (-1, -1):
            st = None
        name = clip_name(rel if inside else absolute.lstrip(os.sep))
        if kind == "row" and name.startswith(TABLE_AUDIO_DIR + NAME_SEPARATOR):
            name = name[len(TABLE_AUDIO_DIR + NAME_SEPARATOR) :]  # LJSpeech's ID, F5's wavs/NAME
        if audio in used:
            entries.append(Entry(name=origin, transcript=origin, problem=f"duplicate_{kind}",
                                 detail=f"{audio} is already listed at {used[audio]}"))  # fmt: skip
            continue
        used[audio] = origin
        if st is None:
            entries.append(Entry(name=name, audio=None, transcript=origin, problem="missing_audio",
                                 detail=f"{audio_path} not found"))  # fmt: skip
            continue
        entries.append(
            Entry(name=name, audio=audio, transcript=origin, text=row_text,
                  stamps=st)
        )  # fmt: skip
    return entries, {a for a in used if not os.path.isabs(a)}


def _read_lines(path: str) -> list[str]:
    from .text import TranscriptError, decode

    with open(path, "rb") as f:
        data = f.read()
    try:
        return decode(data).splitlines()
    except TranscriptError as err:
        raise InputDirError(f"{path}: {err.detail}") from None


def _table(root: str, files) -> tuple[list[Entry], set[str], str]:
    lines = _read_lines(os.path.join(root, TABLE_FILE))
    header = tuple(f.strip().lower() for f in lines[0].split("|")) if lines else ()
    rows, entries = [], []
    f5 = header == F5_TABLE_HEADER
    columns_used = set()
    for number, line in enumerate(lines, start=1):
        if (f5 and number == 1) or not line.strip():
            continue
        # split, not csv: LJSpeech texts hold unbalanced quotes
        fields = line.split("|")
        expected = (2,) if f5 else (2, 3)
        if len(fields) not in expected or not fields[0].strip():
            entries.append(Entry(name=f"{TABLE_FILE}:{number}", transcript=f"{TABLE_FILE}:{number}",
                                 problem="bad_table_row",
                                 detail=f"{len(fields)} '|'-separated fields, expected "
                                        f"{' or '.join(map(str, expected))}"))  # fmt: skip
            continue
        if f5:
            audio_path, row_text = fields[0].strip(), fields[1]
        else:
            ident = fields[0].strip()
            audio_path = os.path.join(TABLE_AUDIO_DIR, ident if _audio_suffix(ident) else ident + ".wav")
            column = 3 if len(fields) == 3 and fields[2].strip() else 2
            columns_used.add(column)
            row_text = fields[column - 1]
        rows.append((number, audio_path, row_text))
    row_entries, used = _rows_entries(root, files, rows, TABLE_FILE, "row")
    if f5:
        how = f"{TABLE_FILE} with header audio_file|text (F5-TTS format): audio paths from column 1"
    else:
        names = {2: "2 (text)", 3: "3 (normalized)"}
        used_cols = " and ".join(names[c] for c in sorted(columns_used)) or "none"
        how = (
            f"{TABLE_FILE} without header (LJSpeech format): audio wavs/ID.wav, text from column "
            f"{used_cols} (the normalized column where a row has it)"
        )
    return entries + row_entries, used | {TABLE_FILE}, how


def _is_manifest(root: str, rel: str) -> bool:
    if os.sep in rel or not rel.lower().endswith(MANIFEST_SUFFIXES):
        return False
    with open(os.path.join(root, rel), "rb") as f:
        for raw in f:
            if raw.strip():
                try:
                    first = json.loads(raw)
                except ValueError:
                    return False
                return isinstance(first, dict) and "audio_filepath" in first
    return False


def _manifests(root: str, files, manifests: list[str]) -> tuple[list[Entry], set[str], str]:
    entries, used, rows_of = [], set(), {}
    for manifest in sorted(manifests):
        rows = []
        for number, line in enumerate(_read_lines(os.path.join(root, manifest)), start=1):
            if not line.strip():
                continue
            origin = f"{manifest}:{number}"
            try:
                item = json.loads(line)
                audio_path, row_text = item["audio_filepath"], item["text"]
                if not isinstance(audio_path, str) or not isinstance(row_text, str):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                entries.append(Entry(name=origin, transcript=origin, problem="bad_manifest_line",
                                     detail="expected a JSON object with string fields "
                                            "audio_filepath and text"))  # fmt: skip
                continue
            rows.append((number, audio_path, row_text))
        found, manifest_used = _rows_entries(root, files, rows, manifest, "line")
        entries += found
        used |= manifest_used | {manifest}
        rows_of[manifest] = len(rows)
    listed = ", ".join(f"{m} ({n} lines)" for m, n in rows_of.items())
    how = f"JSON-lines manifest(s) {listed}: audio_filepath relative to the manifest or absolute"
    return entries, used, how


def _unlisted(files: set[str], used: set[str], kind: str) -> list[Entry]:
    entries = []
    for rel in sorted(files - used):
        if _audio_suffix(rel):
            entries.append(Entry(name=rel, audio=rel, problem=f"not_in_{kind}",
                                 detail=f"no row of the {kind} names this recording"))  # fmt: skip
        else:
            entries.append(Entry(name=rel, problem="unsupported_file",
                                 detail=f"not audio, and the {kind} is the transcript source"))  # fmt: skip
    return entries


def _unique_names(entries: list[Entry]) -> list[Entry]:
    """Clips whose names collide get `~hash` of their input path (problems keep their names)."""
    counts: dict[str, int] = {}
    for e in entries:
        if not e.problem or e.audio:
            counts[e.name] = counts.get(e.name, 0) + 1
    out = []
    for e in entries:
        if counts.get(e.name, 0) > 1 and (not e.problem or e.audio):
            tag = hashlib.blake2b(e.file.encode("utf-8"), digest_size=4).hexdigest()
            e = e._replace(name=f"{e.name}~{tag}")
        out.append(e)
    return out


def named_and_sorted(entries: list[Entry]) -> list[Entry]:
    """Entries with unique clip names (see _unique_names), sorted by name."""
    if len({e[0] for e in entries}) != len(entries):
        entries = _unique_names(entries)
        if len({e[0] for e in entries}) != len(entries):
            # by (name, file): "\0" sorts below every character a name holds
            return sorted(entries, key=lambda e: f"{e.name}\0{e.file}")
    entries.sort(key=itemgetter(0))  # names distinct (the usual case): by name, in C
    return entries


@dataclass
class Listing:
    """What the input folder holds, and how it is read (discovery's first step)."""

    root: str
    layout: str  # pairs, table or manifest: what was found or configured
    how: str  # how the layout is read, for the log
    files: list[str]  # every listed file below root (relative), in listing order
    problems: list[Entry]  # what cannot be an input, decided by its name or type
    entries: list[Entry] | None  # in a table or manifest layout: every entry; pairs: None


def read_folder(input_dir: str, layout: str = "auto") -> Listing:
    """List the input folder and decide its layout; in a table or manifest layout, read the rows.
    Opens nothing but a table or manifests."""
    with no_cycle_collection():
        return _read_folder(input_dir, layout)


def _read_folder(input_dir: str, layout: str) -> Listing:
    if not os.path.isdir(input_dir):
        raise InputDirError(f"config key input_dir: {input_dir!r} is not a folder")
    if layout not in LAYOUTS:
        raise InputDirError(f"config key input_layout: one of {', '.join(LAYOUTS)}")
    files, problems = _list(input_dir)
    # (the suffix first: a million names, and a manifest is only ever at the top)
    manifests = [
        rel
        for rel in files
        if rel[-6:].lower().endswith(MANIFEST_SUFFIXES) and _is_manifest(input_dir, rel)
    ]
    if layout == "auto":
        has_table = TABLE_FILE in files
        if has_table and manifests:
            raise InputDirError(
                f"config key input_layout: {input_dir} holds both {TABLE_FILE} and a manifest "
                f"({manifests[0]}): set input_layout to table or manifest"
            )
        layout = "table" if has_table else "manifest" if manifests else "pairs"
    if layout == "table":
        if TABLE_FILE not in files:
            raise InputDirError(f"config key input_layout is table: no {TABLE_FILE} in {input_dir}")
        listed = set(files)
        entries, used, how = _table(input_dir, listed)
        entries += _unlisted(listed, used, "table")
    elif layout == "manifest":
        if not manifests:
            raise InputDirError(
                f"config key input_layout is manifest: no JSON-lines manifest with audio_filepath "
                f"at the top of {input_dir}"
            )
        listed = set(files)
        entries, used, how = _manifests(input_dir, listed, manifests)
        entries += _unlisted(listed, used, "manifest")
    else:
        how, entries = "each recording with the .txt of the same name beside it, in any folder", None
    return Listing(input_dir, layout, f"{layout}: {how}", files, problems, entries)


@dataclass
class Discovery:
    entries: list[Entry]
    layout: str  # what was found and how it is read, for the log


def discover(input_dir: str, layout: str = "auto") -> Discovery:
    """Every input of `input_dir` as entries sorted by name, in one process (planning makes the
    pairs layout's entries per job unit, in forked processes: jobunits.plan)."""
    listing = read_folder(input_dir, layout)
    with no_cycle_collection():
        entries = listing.entries
        if entries is None:
            stamps = array.array("q", stat_slice((listing.root, listing.files), 0, len(listing.files)))
            entries = paired_entries(listing.files, range(len(listing.files)), stamps)
        return Discovery(named_and_sorted(entries + listing.problems), listing.how)
