"""`kaldi`: a Kaldi/ESPnet data directory: `wav.scp` (`RECORDING path`), `text` (`UTTERANCE
words...`), and where present `utt2spk` (`UTTERANCE speaker`) and `segments` (`UTTERANCE
RECORDING start end`, seconds: the utterance is that stretch of the recording, cut in stage 0).

A `wav.scp` line whose value is a command (`sox ... |`) is never run: it is rejected as
`piped_command` (decode the recordings to files first). Relative paths are taken from the data
directory, else from the recipe folder above it (`data/train` -> `../..`, where Kaldi recipes
run), whichever holds the first recording. Kaldi's other files (spk2utt, feats.scp, split*/ ...)
are `unused_file`.
"""

from __future__ import annotations

import os

from ...records import UNUSED, Entry
from .rows import Folder, Found, InputDirError, Row, is_audio, read_lines, rows_entries, unlisted

NAME = "kaldi"
EXAMPLE = "wav.scp ('rec1 /data/rec1.wav') + text ('utt1 words ...') [+ utt2spk, segments]: Kaldi/ESPnet"
REQUIRED = ("wav.scp", "text")


def _base(folder: Folder) -> str:
    """The data directory (below root) whose wav.scp is read: the one given, or root."""
    return os.path.dirname(folder.target) if folder.target is not None else ""


def detect(folder: Folder) -> bool:
    base = _base(folder)
    return all(folder.has(os.path.join(base, f)) for f in REQUIRED)


def _pairs(folder: Folder, rel: str, entries: list[Entry], values: bool = True) -> dict[str, tuple[str, int]]:
    """KEY value lines of a Kaldi table (value, line number); where `values` are required, a
    line without one is a bad_table_row (`text` allows an empty transcript: empty_text later)."""
    table = {}
    for number, line in enumerate(read_lines(folder.path(rel)), start=1):
        if not line.strip():
            continue
        key, _, value = line.strip().partition(" ")
        value = value.strip()
        if values and not value:
            origin = f"{rel}:{number}"
            entries.append(Entry(name=origin, transcript=origin, problem="bad_table_row",
                                 detail="expected KEY VALUE"))  # fmt: skip
            continue
        table[key] = (value, number)
    return table


def _recipe_base(folder: Folder, base: str, paths: list[str]) -> str:
    """Where relative wav.scp paths start: the data directory, or the recipe folder above it."""
    relative = [p for p in paths if not os.path.isabs(p)]
    if not relative:
        return base
    candidates = [base, os.path.join(base, os.pardir), os.path.join(base, os.pardir, os.pardir)]
    for candidate in candidates:
        if os.path.exists(os.path.join(folder.root, candidate, relative[0])):
            return os.path.normpath(candidate)
    return base


def read(folder: Folder, options: dict) -> Found:
    base = _base(folder)
    rel = lambda name: os.path.join(base, name)  # noqa: E731
    entries: list[Entry] = []
    recordings = _pairs(folder, rel("wav.scp"), entries)
    texts = _pairs(folder, rel("text"), entries, values=False)
    speakers = {k: v for k, (v, _) in _pairs(folder, rel("utt2spk"), entries).items()} if folder.has(rel("utt2spk")) else {}
    has_segments = folder.has(rel("segments"))
    piped = {}
    paths = {}
    for key, (value, number) in recordings.items():
        if value.endswith("|"):
            piped[key] = f"{rel('wav.scp')}:{number}"
        else:
            paths[key] = value
    audio_base = _recipe_base(folder, base, list(paths.values()))
    rows: list[Row] = []
    used_recordings: set[str] = set()
    if has_segments:
        utterances = {}
        for number, line in enumerate(read_lines(folder.path(rel("segments"))), start=1):
            fields = line.split()
            origin = f"{rel('segments')}:{number}"
            if not fields:
                continue
            try:
                utt, rec, start, end = fields[0], fields[1], float(fields[2]), float(fields[3])
                if not 0 <= start < end:
                    raise ValueError
            except (IndexError, ValueError):
                entries.append(Entry(name=origin, transcript=origin, problem="bad_table_row",
                                     detail="expected UTTERANCE RECORDING START END, 0 <= START < END "
                                            "(seconds)"))  # fmt: skip
                continue
            utterances[utt] = (rec, (start, end), origin)
    else:
        utterances = {key: (key, None, f"{rel('wav.scp')}:{n}") for key, (_, n) in recordings.items()}
    for utt, (rec, span, origin) in utterances.items():
        used_recordings.add(rec)
        text = texts.pop(utt, None)
        text_origin = f"{rel('text')}:{text[1]}" if text else origin
        if rec in piped:
            entries.append(Entry(name=utt, transcript=text_origin, problem="piped_command",
                                 detail=f"{piped[rec]}: wav.scp gives a command, which f5flow never "
                                        "runs: decode the recordings to files and list their paths"))  # fmt: skip
            continue
        if rec not in paths:
            entries.append(Entry(name=utt, transcript=text_origin, problem="missing_audio",
                                 detail=f"{origin}: recording {rec} is not in wav.scp"))  # fmt: skip
            continue
        rows.append(Row(text_origin, paths[rec], text[0] if text else None, speakers.get(utt, ""), span, utt))
    for utt, (_, number) in texts.items():
        origin = f"{rel('text')}:{number}"
        entries.append(Entry(name=utt, transcript=origin, problem="missing_audio",
                             detail=f"no {'segment' if has_segments else 'wav.scp line'} for utterance {utt}"))  # fmt: skip
    for rec in sorted(set(paths) - used_recordings):
        origin = f"{rel('wav.scp')}:{recordings[rec][1]}"
        entries.append(Entry(name=origin, problem=UNUSED, detail=f"no segment names recording {rec}"))
    found, used = rows_entries(folder, rows, audio_base, "row")
    kaldi_files = {rel(n) for n in ("wav.scp", "text", "utt2spk", "segments") if folder.has(rel(n))}

    def companion(path: str) -> str | None:
        inside = path.startswith(base + os.sep) if base else True
        if inside and not is_audio(path):
            return "a Kaldi file this workflow does not read (spk2utt, feats.scp, split*/, ...)"
        return None

    entries += found + unlisted(folder, used | kaldi_files, "wav_scp", companion)
    if rows and all(e.problem == "missing_audio" for e in found):
        raise InputDirError(
            f"{folder.path(rel('wav.scp'))}: none of its recordings was found (first: "
            f"{next(iter(paths.values()), '')!r}, relative paths are taken from {folder.path(base) or '.'})"
        )
    how = (
        f"Kaldi data directory {folder.path(base)}: wav.scp ({len(recordings)} recordings"
        f"{', paths from ' + audio_base if audio_base != base else ''}), text"
        f"{', utt2spk' if speakers else ''}{', segments (cut in stage 0)' if has_segments else ''}"
    )
    return Found(entries, how, len(recordings), len(utterances))
