"""`commonvoice`: a Common Voice release folder (`clips/*.mp3` + the split tables), or one of
its `.tsv` tables given as input_dir.

The tables are tab-separated with a header; this reader needs `path` (the clip's file name in
`clips/`) and `sentence`, and keeps `client_id` as the speaker. Older releases (client_id, path,
sentence, up_votes, ...) and newer ones (client_id, path, sentence_id, sentence,
sentence_domain, ...) both have them.

Which split: `input_split: auto` reads `validated.tsv` (every validated clip: the most audio a
voice can get) less the clips of `test.tsv`, so that the split others evaluate on never leaks
into a model by accident; without validated.tsv it reads train.tsv and dev.tsv. `input_split`
names others (`train`, `train+dev`, `validated`, ...). Clips of no chosen table (invalidated,
other, another split) and Common Voice's other tables are `unused_file`: listed, not counted
against the dataset.
"""

from __future__ import annotations

import csv
import os

from ...records import UNUSED, Entry
from .rows import Folder, Found, InputDirError, Row, rows_entries, unlisted

NAME = "commonvoice"
EXAMPLE = "clips/common_voice_vi_1.mp3 + validated.tsv (client_id, path, sentence, ...): Common Voice"
CLIPS = "clips"
SPLITS = ("validated", "train", "dev", "test", "other", "invalidated")
REQUIRED = ("path", "sentence")
HELD_OUT = "test"


def _header(path: str) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return f.readline().rstrip("\r\n").split("\t")


def _tables(folder: Folder) -> list[str]:
    """The split tables present (at the top, or the one given)."""
    if folder.target is not None:
        return [folder.target] if folder.target.endswith(".tsv") else []
    return [f"{split}.tsv" for split in SPLITS if folder.has(f"{split}.tsv")]


def detect(folder: Folder) -> bool:
    if folder.target is not None:
        return bool(_tables(folder)) and set(REQUIRED) <= set(_header(folder.path(folder.target)))
    return bool(_tables(folder)) and f"\n{CLIPS}{os.sep}" in folder.joined


def _chosen(folder: Folder, split: str) -> tuple[list[str], str | None, str]:
    """(tables to read, a table whose clips are held out, why) for input_split."""
    if folder.target is not None:
        return [folder.target], None, f"{folder.target} (the table given as input_dir)"
    present = [t[:-4] for t in _tables(folder)]
    if split == "auto":
        if "validated" in present:
            held = HELD_OUT if HELD_OUT in present else None
            why = "validated.tsv" + (" less test.tsv's clips (input_split: validated keeps them)" if held else "")
            return ["validated.tsv"], held and f"{held}.tsv", why
        chosen = [s for s in ("train", "dev") if s in present]
        if not chosen:
            raise InputDirError(
                f"{folder.root}: a Common Voice folder with neither validated.tsv nor train.tsv/dev.tsv "
                f"(found: {', '.join(t + '.tsv' for t in present)}): set config key input_split"
            )
        return [f"{s}.tsv" for s in chosen], None, " and ".join(f"{s}.tsv" for s in chosen)
    wanted = split.split("+")
    missing = [s for s in wanted if s not in present]
    if missing:
        raise InputDirError(
            f"config key input_split: {folder.root} has no {', '.join(s + '.tsv' for s in missing)} "
            f"(Common Voice tables found: {', '.join(t + '.tsv' for t in present)})"
        )
    return [f"{s}.tsv" for s in wanted], None, " and ".join(f"{s}.tsv" for s in wanted)


def _read_table(folder: Folder, table: str) -> tuple[list[str], list[list[str]]]:
    # Common Voice writes its tables without quoting: a quote inside a sentence is text
    with open(folder.path(table), encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, [])
        return header, list(reader)


def read(folder: Folder, options: dict) -> Found:
    tables, held_table, why = _chosen(folder, options.get("split", "auto"))
    held: set[str] = set()
    if held_table:
        header, lines = _read_table(folder, held_table)
        if "path" in header:
            held = {line[header.index("path")] for line in lines if len(line) == len(header)}
    base = os.path.dirname(tables[0])
    rows, entries = [], []
    text_column = options.get("text_column", "auto")
    text_name = "sentence" if text_column == "auto" else text_column
    for table in tables:
        header, lines = _read_table(folder, table)
        missing = [c for c in (*REQUIRED[:1], text_name) if c not in header]
        if missing:
            raise InputDirError(
                f"{folder.path(table)}: a Common Voice table needs the columns path and "
                f"{text_name}; its header is {' '.join(header) or '(empty)'}"
            )
        path_at, text_at = header.index("path"), header.index(text_name)
        speaker_at = header.index("client_id") if "client_id" in header else None
        for number, line in enumerate(lines, start=2):
            origin = f"{table}:{number}"
            if len(line) != len(header):
                entries.append(Entry(name=origin, transcript=origin, problem="bad_table_row",
                                     detail=f"{len(line)} tab-separated fields, the header has "
                                            f"{len(header)}"))  # fmt: skip
                continue
            clip = line[path_at]
            if clip in held:
                entries.append(Entry(name=origin, transcript=origin, problem=UNUSED,
                                     detail=f"{clip} is in {held_table}: the test split is not "
                                            "trained on (input_split: validated reads it)"))  # fmt: skip
                continue
            speaker = line[speaker_at] if speaker_at is not None else ""
            rows.append(Row(origin, os.path.join(CLIPS, clip), line[text_at], speaker))
    if rows and not any(os.path.join(base, CLIPS, os.path.basename(r.audio)) in folder.file_set for r in rows[:1000]):
        raise InputDirError(
            f"{folder.root}: {tables[0]} names clips such as {rows[0].audio} but none of the first "
            f"{min(len(rows), 1000)} is in {os.path.join(folder.root, base, CLIPS)}"
        )
    found, used = rows_entries(folder, rows, base, "row", CLIPS)
    # a held-out clip's file is named by its row's entry
    tables_used = set(tables) | ({held_table} if held_table else set())
    tables_used |= {os.path.join(base, CLIPS, clip) for clip in held}
    other = f"not in {' or '.join(tables)}"

    def companion(rel: str) -> str | None:
        if rel.startswith(os.path.join(base, CLIPS) + os.sep):
            return f"{other} (invalidated, other, or another split: config key input_split)"
        if os.sep not in rel and rel.endswith((".tsv", ".txt")):
            return "a Common Voice table this configuration does not read (config key input_split)"
        return None

    entries += found + unlisted(folder, used | tables_used, "table", companion)
    how = f"Common Voice {why}: audio clips/PATH, text from column {text_name}, speaker client_id"
    return Found(entries, how, len(rows), len(rows))
