"""What the readers of row layouts share: rows to entries, files no row names, reading a table."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import NamedTuple

from ..listing import NAME_SEPARATOR, InputDirError, clip_name, is_audio, stamp, stem_name
from ...records import UNUSED, Entry, audio_ref

__all__ = ["InputDirError", "is_audio"]  # (the readers take them from here)


@dataclass
class Folder:
    """What a reader sees: the listed files below root, and the file input_dir named (if any)."""

    root: str
    files: list[str]
    target: str | None = None  # input_dir was this file (relative to root)
    _set: set[str] | None = field(default=None, repr=False)
    memo: dict = field(default_factory=dict, repr=False)  # what detection learned once

    @property
    def file_set(self) -> set[str]:
        if self._set is None:
            self._set = set(self.files)
        return self._set

    def has(self, name: str) -> bool:
        """Whether `name` (relative to root) is a listed file."""
        return f"\n{name}\n" in self.joined

    @property
    def joined(self) -> str:
        """Every listed name, each followed by a line break: detection asks it with C-level
        substring searches (two million names at a million clips)."""
        if "joined" not in self.memo:
            self.memo["joined"] = "\n" + "\n".join(self.files) + "\n"
        return self.memo["joined"]

    def any_ending(self, *endings: str) -> bool:
        """Whether any listed name ends with one of `endings` (as written; case matters)."""
        return any(ending + "\n" in self.joined for ending in endings)

    def path(self, rel: str) -> str:
        return os.path.join(self.root, rel)


@dataclass
class Found:
    """What a reader read: every entry it decided (a fate for every listed file: see
    `unlisted`), how it read them (for the console), and its counts."""

    entries: list[Entry]
    how: str
    recordings: int
    transcripts: int


class Row(NamedTuple):
    """One row of a table or manifest: where it is, its audio as written, and its text."""

    origin: str  # FILE:LINE (or FILE#row=N): what a report names for a row's problem
    audio: str  # the audio path as written in the row (relative to `base`, or absolute)
    text: str | None
    speaker: str = ""
    span: tuple[float, float] | None = None  # a segment of the recording (Kaldi segments)
    name: str | None = None  # the clip name, where the layout gives one (else from the path)


def rows_entries(
    folder: Folder, rows: list[Row], base: str, row_word: str = "row", audio_dir: str | None = None
) -> tuple[list[Entry], set[str]]:
    """Entries of rows whose audio paths are relative to the folder `base` (below root) or
    absolute; the listed audio files they use. Clip names are taken below `audio_dir` where the
    layout keeps its audio there (LJSpeech's `wavs/`, Common Voice's `clips/`)."""
    root = folder.root
    entries, used, files = [], {}, set()
    for row in rows:
        absolute = os.path.normpath(os.path.join(root, base, row.audio))
        rel = os.path.relpath(absolute, root)
        inside = not rel.startswith(os.pardir + os.sep)
        audio = rel if inside else absolute
        if inside:
            files.add(rel)
        st = stamp(absolute) if not inside or rel in folder.file_set else None
        if st == (-1, -1):
            st = None
        if row.name is not None:
            name = stem_name(row.name)
        else:
            name = clip_name(rel if inside else absolute.lstrip(os.sep))
            prefix = f"{audio_dir}{NAME_SEPARATOR}" if audio_dir else None
            if prefix and name.startswith(prefix):
                name = name[len(prefix) :]  # LJSpeech's ID, F5's wavs/NAME, Common Voice's clip
        ref = audio_ref(audio, span=row.span)
        if ref in used:
            entries.append(Entry(name=row.origin, transcript=row.origin, problem=f"duplicate_{row_word}",
                                 detail=f"{ref} is already listed at {used[ref]}"))  # fmt: skip
            continue
        used[ref] = row.origin
        if st is None:
            entries.append(Entry(name=name, audio=None, transcript=row.origin, problem="missing_audio",
                                 detail=f"{row.audio} not found", speaker=row.speaker))  # fmt: skip
            continue
        if row.text is None:
            entries.append(Entry(name=name, audio=ref, problem="missing_transcript",
                                 detail=f"no text for {row.origin}", speaker=row.speaker,
                                 stamps=st))  # fmt: skip
            continue
        entries.append(Entry(name=name, audio=ref, transcript=row.origin, text=row.text,
                             speaker=row.speaker, stamps=st))  # fmt: skip
    return entries, files


def first_line(path: str) -> str:
    """A table's first line (its header, or its first row), without reading the rest."""
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        return f.readline().rstrip("\r\n")


def read_lines(path: str) -> list[str]:
    """A table's lines, decoded as transcripts are (UTF-8, a BOM allowed)."""
    from ...text import TranscriptError, decode

    with open(path, "rb") as f:
        data = f.read()
    try:
        return decode(data).splitlines()
    except TranscriptError as err:
        raise InputDirError(f"{path}: {err.detail}") from None


def unlisted(folder: Folder, used: set[str], kind: str, companion=None) -> list[Entry]:
    """A fate for every listed file the reader did not use: a recording no row names is
    rejected (not_in_KIND); `companion(rel)` may say a file belongs to the layout and is not
    read (unused_file: not counted against the dataset), else it is unsupported."""
    entries = []
    for rel in sorted(folder.file_set - used):
        why = companion(rel) if companion else None
        if why:
            entries.append(Entry(name=rel, audio=None, problem=UNUSED, detail=why))
        elif is_audio(rel):
            entries.append(Entry(name=rel, audio=rel, problem=f"not_in_{kind}",
                                 detail=f"no row of the {kind} names this recording"))  # fmt: skip
        else:
            entries.append(Entry(name=rel, problem="unsupported_file",
                                 detail=f"not audio, and the {kind} is the transcript source"))  # fmt: skip
    return entries


def pick_column(columns: list[str], wanted: str, candidates: tuple[str, ...], what: str, where: str) -> str:
    """The text (or other) column: the configured one, else the first of the common names."""
    if wanted != "auto":
        if wanted not in columns:
            raise InputDirError(
                f"config key input_text_column: {where} has no column {wanted!r} (its columns: "
                f"{', '.join(columns)})"
            )
        return wanted
    for name in candidates:
        if name in columns:
            return name
    raise InputDirError(
        f"{where}: no {what} column: looked for {', '.join(candidates)}; its columns are "
        f"{', '.join(columns)} (set config key input_text_column)"
    )
