"""`table`: LJSpeech's and F5-TTS's `metadata.csv` ('|'-separated) at the top.

Without a header it is LJSpeech's `ID|text` or `ID|text|normalized`, audio in `wavs/ID.wav`, the
text the `normalized` column where a row has one (the dataset author's reading), else `text`.
With the header `audio_file|text` it is F5-TTS's own format and each row names its audio file
(relative to the folder, or absolute). Clip names are taken below `wavs/` (LJSpeech's IDs).
"""

from __future__ import annotations

import os

from ...records import Entry
from .rows import Folder, Found, InputDirError, Row, first_line, is_audio, read_lines, rows_entries, unlisted

NAME = "table"
TABLE_FILE = "metadata.csv"
F5_HEADER = ("audio_file", "text")
AUDIO_DIR = "wavs"  # where LJSpeech and F5-TTS tables keep the audio; names are taken below it
EXAMPLE = "metadata.csv ('ID|text' rows, LJSpeech; or header audio_file|text, F5-TTS) + wavs/ID.wav"


def table_file(folder: Folder) -> str | None:
    """The '|'-separated metadata.csv this layout reads (at the top, or the file given)."""
    name = folder.target or TABLE_FILE
    if os.path.basename(name) != TABLE_FILE or not folder.has(name):
        return None
    return name if "|" in first_line(folder.path(name)) else None


def detect(folder: Folder) -> bool:
    return table_file(folder) is not None


def read(folder: Folder, options: dict) -> Found:
    name = table_file(folder)
    if name is None:
        raise InputDirError(f"input_layout is table: no '|'-separated {TABLE_FILE} in {folder.root}")
    lines = read_lines(folder.path(name))
    header = tuple(f.strip().lower() for f in lines[0].split("|")) if lines else ()
    rows, entries = [], []
    f5 = header == F5_HEADER
    columns_used = set()
    for number, line in enumerate(lines, start=1):
        if (f5 and number == 1) or not line.strip():
            continue
        # split, not csv: LJSpeech texts hold unbalanced quotes
        fields = line.split("|")
        expected = (2,) if f5 else (2, 3)
        origin = f"{name}:{number}"
        if len(fields) not in expected or not fields[0].strip():
            entries.append(Entry(name=origin, transcript=origin, problem="bad_table_row",
                                 detail=f"{len(fields)} '|'-separated fields, expected "
                                        f"{' or '.join(map(str, expected))}"))  # fmt: skip
            continue
        if f5:
            audio_path, row_text = fields[0].strip(), fields[1]
        else:
            ident = fields[0].strip()
            audio_path = os.path.join(AUDIO_DIR, ident if is_audio(ident) else ident + ".wav")
            column = 3 if len(fields) == 3 and fields[2].strip() else 2
            columns_used.add(column)
            row_text = fields[column - 1]
        rows.append(Row(origin, audio_path, row_text))
    if not rows and entries:
        raise InputDirError(
            f"{folder.path(name)}: no row fits (first line {lines[0][:80]!r}): expected "
            f"ID|text or ID|text|normalized rows (LJSpeech), or the header {'|'.join(F5_HEADER)}"
        )
    row_entries, used = rows_entries(folder, rows, os.path.dirname(name), "row", AUDIO_DIR)
    if f5:
        how = f"{name} with header audio_file|text (F5-TTS format): audio paths from column 1"
    else:
        names = {2: "2 (text)", 3: "3 (normalized)"}
        used_cols = " and ".join(names[c] for c in sorted(columns_used)) or "none"
        how = (
            f"{name} without header (LJSpeech format): audio wavs/ID.wav, text from column "
            f"{used_cols} (the normalized column where a row has it)"
        )
    return Found(entries + row_entries + unlisted(folder, used | {name}, "table"), how, len(rows), len(rows))
