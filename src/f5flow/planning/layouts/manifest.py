"""`manifest`: JSON-lines manifests (`*.jsonl`, or NeMo's `*.json` holding one object per line)
at the top, each line `{"audio_filepath": ..., "text": ..., "duration": ...}`; paths relative to
the manifest or absolute; `duration` is not trusted (the audio is measured)."""

from __future__ import annotations

import json
import os

from ...records import Entry
from .rows import Folder, Found, InputDirError, Row, read_lines, rows_entries, unlisted

NAME = "manifest"
SUFFIXES = (".jsonl", ".json")
EXAMPLE = 'train_manifest.json: {"audio_filepath": "audio/u0.flac", "text": "..."} per line (NeMo)'


def _first_object(path: str) -> dict | None:
    with open(path, "rb") as f:
        for raw in f:
            if raw.strip():
                try:
                    first = json.loads(raw)
                except ValueError:
                    return None
                return first if isinstance(first, dict) else None
    return None


def manifests(folder: Folder) -> list[str]:
    """The manifests at the top (or the one given): JSON lines whose first object has
    audio_filepath."""
    if folder.target is not None:
        candidates = [folder.target]
    elif not folder.any_ending(*SUFFIXES, *(s.upper() for s in SUFFIXES)):
        return []
    else:  # (a manifest is only ever at the top)
        candidates = [rel for rel in folder.files if rel[-6:].lower().endswith(SUFFIXES) and os.sep not in rel]
    found = []
    for rel in candidates:
        if rel.lower().endswith(SUFFIXES):
            first = _first_object(folder.path(rel))
            if first is not None and "audio_filepath" in first:
                found.append(rel)
    return sorted(found)


def detect(folder: Folder) -> bool:
    return bool(manifests(folder))


def read(folder: Folder, options: dict) -> Found:
    found = manifests(folder)
    if not found:
        raise InputDirError(
            f"input_layout is manifest: no JSON-lines manifest with audio_filepath at the top of {folder.root}"
        )
    entries, used, rows_of = [], set(), {}
    n_rows = 0
    for manifest in found:
        rows = []
        for number, line in enumerate(read_lines(folder.path(manifest)), start=1):
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
            speaker = item.get("speaker", item.get("speaker_id", ""))
            rows.append(Row(origin, audio_path, row_text, str(speaker) if speaker is not None else ""))
        got, manifest_used = rows_entries(folder, rows, os.path.dirname(manifest), "line")
        entries += got
        used |= manifest_used | {manifest}
        rows_of[manifest] = len(rows)
        n_rows += len(rows)
    listed = ", ".join(f"{m} ({n} lines)" for m, n in rows_of.items())
    how = f"JSON-lines manifest(s) {listed}: audio_filepath relative to the manifest or absolute"
    return Found(entries + unlisted(folder, used, "manifest"), how, n_rows, n_rows)
