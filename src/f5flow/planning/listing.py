"""The input folder's listing, clip names, and the pairs layouts' naming.

Every file below the input folder is listed once at each Snakemake start-up (hidden, system and
unsafely named files become entries of their own, never read); the layout readers
(`f5flow.planning.layouts`) then decide what each file is. The pairs layouts (a recording with a
transcript of the same name beside it: `.txt`, MFA's `.lab`, LibriTTS's `.normalized.txt`) are
named here: planning splits every listed name with `PairsNaming.split` in forked processes.

A clip's name is its audio file's path below the input folder without the (last) suffix, folders
joined by `__` (`spk1/ch1/a.wav` -> `spk1__ch1__a`, `a.b.wav` -> `a.b`), `|` replaced by `_`
(metadata.csv's delimiter); names that still collide get `~` and a hash of their input. The
records keep each clip's input, so quality.tsv holds the whole mapping.
"""

from __future__ import annotations

import array
import hashlib
import os
import re
from operator import itemgetter

from ..errors import F5flowError
from ..records import IGNORED, UNUSED, Entry, no_cycle_collection

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac")
# Written by operating systems and file managers, never by a dataset's author.
SYSTEM_NAMES = {"thumbs.db", "desktop.ini", "__macosx", "$recycle.bin", "system volume information"}
NAME_SEPARATOR = "__"


class InputDirError(F5flowError):
    """The configured input folder cannot be used at all."""


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


def stamp(path: str, dir_fd: int | None = None) -> tuple[int, int]:
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


def list_files(root: str) -> tuple[list[str], list[Entry]]:
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
    work: see stamp)."""
    root, files = job
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    stamps = array.array("q")
    try:
        for rel in files[start:stop]:
            stamps.extend(stamp(rel, fd))
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


def is_audio(rel: str) -> bool:
    return os.path.splitext(rel)[1].lower() in AUDIO_SUFFIXES


# What a listed file is in a pairs layout, by its suffix: a recording, its transcript, a file
# the layout knows and does not read (LibriTTS's other transcript and tables), or neither (0).
AUDIO, TRANSCRIPT, COMPANION = 1, 2, 3
_new_entry = tuple.__new__  # Entry(...) without its Python-level __new__: a million per start-up


class PairsNaming:
    """How a pairs layout names its files: which suffix is a transcript (`transcript`: after the
    last dot, lower case, such as "txt" or "lab"), and which files it
    knows but does not read. One instance per layout: plain pairs (`.txt`), MFA (`.lab`),
    LibriTTS (`.normalized.txt`, or `.original.txt` with input_text_column: original).

    Planning splits every listed name (two million at a million clips), so `split` is written
    for the common case: one rpartition and one dict look-up."""

    def __init__(self, layout: str, transcript: str, variants: dict[str, int] | None = None,
                 companions: tuple[str, ...] = (), companion_detail: str = "",
                 label: str | None = None):  # fmt: skip
        self.layout = layout
        self.label = label or f".{transcript}"  # the transcript's suffix, as messages name it
        # LibriTTS: the suffix before it decides (normalized: TRANSCRIPT, original: COMPANION)
        self.variants = variants
        self.companions = companions  # file name endings of COMPANION files (lower case)
        self.companion_detail = companion_detail
        self.kinds = {s[1:]: AUDIO for s in AUDIO_SUFFIXES} | {transcript: TRANSCRIPT}

        self.split = self._splitter()

    def _splitter(self):
        """split(rel) -> (stem, AUDIO or TRANSCRIPT) of a listed file, (rel, COMPANION) or (rel,
        0). A closure over locals: planning calls it for every listed name. A listed name never
        starts with a dot (those are hidden), so a suffix always has a stem before it."""
        get, variants, companions, sep = self.kinds.get, self.variants, self.companions, os.sep

        def split(rel: str) -> tuple[str, int]:
            stem, dot, suffix = rel.rpartition(".")
            kind = get(suffix)
            if kind is None and dot and sep not in suffix:
                kind = get(suffix.lower())
            if kind == TRANSCRIPT and variants is not None:
                base, _, variant = stem.rpartition(".")
                kind = variants.get(variant.lower(), 0)
                stem = base if kind == TRANSCRIPT else rel
            if kind:
                return (stem, kind) if kind != COMPANION else (rel, COMPANION)
            if companions and rel.lower().endswith(companions):
                return rel, COMPANION
            return rel, 0

        return split

    def speaker(self, stem: str) -> str:
        """The speaker a pairs layout tells: LibriTTS's file name (SPEAKER_CHAPTER_...), else
        the first folder below the input folder ("" for a recording at the top)."""
        if self.layout == "libritts":
            return os.path.basename(stem).split("_", 1)[0]
        first, sep, _ = stem.partition(os.sep)
        return first if sep else ""

    def entries(self, files: list[str], indices, stamps) -> list[Entry]:
        return paired_entries(files, indices, stamps, self)


PAIRS = PairsNaming("pairs", "txt")
MFA = PairsNaming("mfa", "lab")


def libritts(text: str = "normalized") -> PairsNaming:
    """LibriTTS: NAME.wav with NAME.normalized.txt and NAME.original.txt beside it; the
    chapter's .trans.tsv/.book.tsv tables hold the same texts again."""
    other = "original" if text == "normalized" else "normalized"
    return PairsNaming(
        "libritts", "txt", {text: TRANSCRIPT, other: COMPANION}, (".trans.tsv", ".book.tsv"),
        f"LibriTTS's {other} transcript or a chapter table: the {text} text is read "
        "(config input_text_column: normalized or original)", f".{text}.txt",
    )  # fmt: skip


def stem_name(stem: str) -> str:
    """The clip name of a stem (an audio file's path without its suffix): see clip_name."""
    return stem.replace(os.sep, NAME_SEPARATOR).replace("|", "_")


def paired_entries(files: list[str], indices, stamps, naming: PairsNaming = PAIRS) -> list[Entry]:
    """Entries of files[i] for i in indices in a pairs layout: each recording with the
    transcript of its stem, and what is neither. stamps: size, mtime_ns, size, ... of `files`.

    Every file of a stem must be among the indices (planning groups the files by their clip
    name, which a stem decides)."""
    audio: dict[str, int] = {}  # stem -> index in files
    transcripts: dict[str, int] = {}
    extra: list[tuple[bool, str, int]] = []  # a second file of a stem (a.wav beside a.WAV)
    entries = []
    split = naming.split
    for i in indices:
        rel = files[i]
        stem, kind = split(rel)
        if kind == AUDIO:
            if audio.setdefault(stem, i) != i:
                extra.append((True, stem, i))
        elif kind == TRANSCRIPT:
            if transcripts.setdefault(stem, i) != i:
                extra.append((False, stem, i))
        elif kind == COMPANION:
            entries.append(Entry(name=rel, problem=UNUSED, detail=naming.companion_detail))
        else:
            entries.append(
                Entry(
                    name=rel,
                    problem="unsupported_file",
                    detail=f"expected audio ({' '.join(AUDIO_SUFFIXES)}) with a "
                    f"{naming.label} transcript",
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
    speaker = naming.speaker
    for stem, a in audio.items():
        t = transcripts.pop(stem, None)
        name = stem_name(stem)
        if t is None:
            entries.append(Entry(name, files[a], None, problem="missing_transcript",
                                 detail=f"no {os.path.basename(stem)}{naming.label} beside it",
                                 speaker=speaker(stem), stamps=(stamps[2 * a], stamps[2 * a + 1])))  # fmt: skip
        else:
            pair = (stamps[2 * a], stamps[2 * a + 1], stamps[2 * t], stamps[2 * t + 1])
            entries.append(_new_entry(Entry, (name, files[a], files[t], None, None, "", speaker(stem), pair)))
    for stem, t in transcripts.items():
        entries.append(Entry(stem_name(stem), None, files[t], problem="missing_audio",
                             detail=f"no recording beside {files[t]} "
                                    f"(looked for {'/'.join(AUDIO_SUFFIXES)})",
                             stamps=(stamps[2 * t], stamps[2 * t + 1])))  # fmt: skip
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


