"""Input discovery: every file of the input folder becomes part of exactly one `Entry`.

An input folder holds `NAME.wav` + `NAME.txt` pairs. Discovery is a single `scandir`: it runs at
every Snakemake start-up, also for 100k files, so it never opens or stats a file beyond the
listing. `jobunits` groups the entries into jobs.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import asdict, dataclass, replace

from .errors import F5flowError

AUDIO_SUFFIX = ".wav"
TRANSCRIPT_SUFFIX = ".txt"
# What Snakemake reads as a wildcard in any path, with no way to escape it in an input path.
SNAKEMAKE_WILDCARD = re.compile(r"\{\s*[.\w]+\s*(,[^{}]*)?\}")


class InputDirError(F5flowError):
    """The configured input folder cannot be used at all."""


@dataclass(frozen=True)
class Entry:
    """One recording (stem) or one file that cannot be one.

    `problem` is set when discovery alone decides the entry is rejected (its files are then not
    processed and not declared as job inputs).
    """

    name: str
    audio: str | None = None
    transcript: str | None = None
    problem: str | None = None
    detail: str = ""
    # (file, size, mtime_ns) of the entry's files: part of the job unit's params, so that a
    # changed recording or transcript re-runs its unit without each file being a declared input
    stamps: tuple = ()

    @property
    def file(self) -> str:
        """The input file a report names for this entry."""
        return self.audio or self.transcript or self.name

    def files(self) -> list[str]:
        """Input files (relative to the input folder) a job reads for this entry."""
        if self.problem:
            return []
        return [f for f in (self.audio, self.transcript) if f]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Entry:
        return cls(**data)


def unsafe_name_reason(name: str) -> str | None:
    """Why a file name cannot travel through line-based files and tools, or None if it can."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8"
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return f"file name contains control character U+{ord(ch):04X}"
    if SNAKEMAKE_WILDCARD.search(name):
        return "Snakemake reads {...} in a path as a wildcard: rename the file"
    return None


def discover(input_dir: str) -> list[Entry]:
    """List `input_dir` (flat) into entries sorted by name."""
    if not os.path.isdir(input_dir):
        raise InputDirError(f"config key input_dir: {input_dir!r} is not a folder")
    audio: dict[str, list[str]] = {}
    transcripts: dict[str, list[str]] = {}
    stamps: dict[str, tuple[str, int, int]] = {}
    entries: list[Entry] = []
    with os.scandir(input_dir) as it:
        for dirent in it:
            name = dirent.name
            unsafe = unsafe_name_reason(name)
            if unsafe:
                # repr() keeps the report line-safe and shows the offending bytes.
                entries.append(Entry(name=repr(name)[1:-1], problem="unsafe_name", detail=unsafe))
                continue
            if not dirent.is_file():
                entries.append(
                    Entry(
                        name=name,
                        problem="not_a_file",
                        detail="a folder or broken link: input_dir is read flat",
                    )
                )
                continue
            stem, suffix = os.path.splitext(name)
            suffix = suffix.lower()
            if suffix in (AUDIO_SUFFIX, TRANSCRIPT_SUFFIX) and stem:
                st = dirent.stat()
                stamps[name] = (name, st.st_size, st.st_mtime_ns)
            if suffix == AUDIO_SUFFIX and stem:
                audio.setdefault(stem, []).append(name)
            elif suffix == TRANSCRIPT_SUFFIX and stem:
                transcripts.setdefault(stem, []).append(name)
            else:
                entries.append(
                    Entry(
                        name=name,
                        problem="unsupported_file",
                        detail="expected NAME.wav and NAME.txt pairs",
                    )
                )
    for stem in audio.keys() | transcripts.keys():
        wavs = sorted(audio.get(stem, []))
        txts = sorted(transcripts.get(stem, []))
        audio_file, transcript_file = (wavs[0] if wavs else None), (txts[0] if txts else None)
        entry = Entry(name=stem, audio=audio_file, transcript=transcript_file)
        entries.append(replace(entry, stamps=tuple(stamps[f] for f in entry.files())))
        # a.wav beside a.WAV would both become wavs/a.wav: keep the first, report the others.
        for extra in wavs[1:] + txts[1:]:
            kept = wavs[0] if extra in wavs else txts[0]
            entries.append(
                Entry(name=extra, problem="duplicate_name", detail=f"same name as {kept}")
            )
    entries.sort(key=lambda e: e.name)
    return entries

