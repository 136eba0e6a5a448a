"""Hugging Face datasets, read with pyarrow as they are published or saved, never unpacked:

- `parquet`: parquet shards (the Hub's `data/train-00000-of-00001.parquet`, split folders such
  as `train/0000.parquet`, or one file given as input_dir);
- `save_to_disk`: a folder written by `Dataset.save_to_disk` (`dataset_info.json` +
  `data-*.arrow`), or a DatasetDict's (`dataset_dict.json` + one such folder per split);
- `audiofolder`: audio files with a `metadata.csv` (comma-separated, header) or `metadata.jsonl`
  whose `file_name` names each file, at the top or in split folders.

The audio column is the one the dataset's features call `Audio` (else a column `audio`): a
struct of the recording's `bytes` and its `path`. The bytes are decoded inside the stage 0 job
units straight from the parquet row group or the memory-mapped arrow file; a row whose bytes are
empty is read from its path. The text column is `input_text_column`, or the first of TEXT_COLUMNS
present; the speaker the first of SPEAKER_COLUMNS. Where files are named by split (`train-*`,
`test/`), `input_split: auto` reads `train` only, so that a test split never leaks into training.
"""

from __future__ import annotations

import bisect
import csv
import functools
import json
import os
import re

from ...records import UNUSED, Entry, audio_ref
from ..listing import clip_name, stamp
from .rows import Folder, Found, InputDirError, Row, is_audio, pick_column, rows_entries, unlisted

TEXT_COLUMNS = ("text", "transcription", "sentence", "normalized_text", "transcript",
                "raw_text", "text_normalized", "normalized_transcription")  # fmt: skip
SPEAKER_COLUMNS = ("speaker_id", "speaker", "client_id", "spk_id")
SPLIT_NAMES = ("train", "validation", "valid", "dev", "test")
DEFAULT_SPLIT = "train"
# rows of an arrow file that share a job unit (a parquet file's share its row groups instead:
# datasets writes audio in groups of about 100 rows)
ROWS_PER_CHUNK = 256
PARQUET_EXAMPLE = "data/train-00000-of-00001.parquet (an audio column with the bytes, a text column): Hugging Face"
ARROW_EXAMPLE = "dataset_info.json + data-00000-of-00001.arrow: Hugging Face save_to_disk"
AUDIOFOLDER_EXAMPLE = "metadata.csv with header file_name,transcription + the audio files: Hugging Face audiofolder"


def split_of(rel: str) -> str | None:
    """The split a dataset file belongs to, where its folder or name says (train-0000.parquet,
    train/0000.parquet, data/test-00000-of-00001.parquet)."""
    parts = rel.split(os.sep)
    for part in reversed(parts[:-1]):
        if part.lower() in SPLIT_NAMES:
            return part.lower()
    head = re.split(r"[-_.]", parts[-1], maxsplit=1)[0].lower()
    return head if head in SPLIT_NAMES else None


def choose_split(files: list[str], split: str, where: str) -> tuple[list[str], list[str], str]:
    """(files read, files of other splits, what was read) for input_split."""
    splits = {f: split_of(f) for f in files}
    named = {s for s in splits.values() if s}
    if split == "auto":
        if not named:
            return files, [], "every file (none is named by split)"
        wanted = {DEFAULT_SPLIT} if DEFAULT_SPLIT in named else None
        if wanted is None:
            raise InputDirError(
                f"{where}: files are named by split ({', '.join(sorted(named))}) and none is "
                f"{DEFAULT_SPLIT}: set config key input_split (e.g. {sorted(named)[0]})"
            )
    else:
        wanted = set(split.split("+"))
        if not wanted <= named:
            raise InputDirError(
                f"config key input_split: {where} has no split {', '.join(sorted(wanted - named))} "
                f"(its splits: {', '.join(sorted(named)) or 'none named'})"
            )
    chosen = [f for f in files if splits[f] in wanted]
    return chosen, [f for f in files if splits[f] not in wanted], "split " + "+".join(sorted(wanted))


def _features(schema) -> dict:
    meta = (schema.metadata or {}).get(b"huggingface")
    if not meta:
        return {}
    try:
        return json.loads(meta).get("info", {}).get("features", {}) or {}
    except ValueError:
        return {}


def audio_column(schema, where: str) -> str:
    """The column holding the audio: the one the features call Audio, else `audio`."""
    import pyarrow as pa

    for name, feature in _features(schema).items():
        if isinstance(feature, dict) and feature.get("_type") == "Audio":
            return name
    for field in schema:
        if pa.types.is_struct(field.type) and {"bytes", "path"} <= {f.name for f in field.type}:
            return field.name
    raise InputDirError(
        f"{where}: no audio column (a Hugging Face Audio feature, or a struct of bytes and path); "
        f"its columns are {', '.join(schema.names)}"
    )


def _text_and_speaker(schema, options: dict, where: str, audio: str) -> tuple[str, str | None]:
    columns = [n for n in schema.names if n != audio]
    text = pick_column(columns, options.get("text_column", "auto"), TEXT_COLUMNS, "text", where)
    speaker = next((c for c in SPEAKER_COLUMNS if c in columns), None)
    return text, speaker


def _row_name(path: str | None, rel: str, row: int) -> str:
    """A row's clip name: its audio's file name where the row keeps one, else FILE-ROW."""
    if path:
        return clip_name(os.path.basename(path))
    return f"{clip_name(os.path.basename(rel))}-{row:06d}"


def _dataset_rows(folder: Folder, rel: str, table, audio: str, options: dict, where: str):
    """(entries, recordings, transcripts, text column) of one dataset file's table (holding
    every column but the audio bytes) whose audio column is `audio`."""
    schema = table.schema
    text, speaker = _text_and_speaker(schema, options, where, audio)
    texts = table.column(text).to_pylist()
    speakers = table.column(speaker).to_pylist() if speaker else None
    # chunk by chunk: a memory-mapped arrow file's bytes stay on disk
    paths = [p for chunk in table.column(audio).chunks for p in chunk.field("path").to_pylist()]
    stamps = stamp(folder.path(rel))
    entries = []
    for row, value in enumerate(texts):
        name = _row_name(paths[row], rel, row)
        ref = audio_ref(rel, row=row)
        spk = "" if speakers is None or speakers[row] is None else str(speakers[row])
        if value is None:
            entries.append(Entry(name=name, audio=ref, problem="missing_transcript",
                                 detail=f"row {row} has no {text}", speaker=spk, stamps=stamps))  # fmt: skip
            continue
        entries.append(Entry(name=name, audio=ref, transcript=ref, text=str(value), speaker=spk,
                             stamps=stamps))  # fmt: skip
    return entries, len(texts), sum(v is not None for v in texts), text


# --- parquet ---------------------------------------------------------------------------------


def _parquet_files(folder: Folder) -> list[str]:
    if folder.target is not None:
        return [folder.target] if folder.target.endswith(".parquet") else []
    if not folder.any_ending(".parquet"):
        return []
    return sorted(rel for rel in folder.files if rel.endswith(".parquet"))


def detect_parquet(folder: Folder) -> bool:
    return bool(_parquet_files(folder))


def _parquet_table(where: str):
    """(a parquet file's every column but the audio's bytes: a row count and texts from a few
    MB, the audio column's name: found on the whole schema, the table lacks the bytes)."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(where)
        schema = pf.schema_arrow
        audio = audio_column(schema, where)
        return pf.read(columns=[n for n in schema.names if n != audio] + [f"{audio}.path"]), audio
    except InputDirError:
        raise
    except Exception as err:  # pyarrow's errors for a file that is no parquet
        raise InputDirError(f"{where}: not a readable parquet file ({err})") from None


def read_parquet(folder: Folder, options: dict) -> Found:
    return _read_dataset_files(folder, options, _parquet_files(folder), _parquet_table, "parquet")


def _read_dataset_files(folder: Folder, options: dict, files: list[str], open_table, kind: str) -> Found:
    """The rows of the chosen split's dataset files (parquet or save_to_disk arrow)."""
    chosen, others, which = choose_split(files, options.get("split", "auto"), folder.root)
    entries, recordings, transcripts, columns = [], 0, 0, set()
    for rel in chosen:
        where = folder.path(rel)
        table, audio = open_table(where)
        got, n, t, text = _dataset_rows(folder, rel, table, audio, options, where)
        entries += got
        recordings, transcripts = recordings + n, transcripts + t
        columns.add(f"text from column {text}, audio from column {audio}")
    used = set(chosen) | set(others)

    def companion(rel: str) -> str | None:
        if not is_audio(rel):
            return "not part of the dataset's data files (a dataset card, a script, metadata)"
        return None

    entries += [Entry(name=rel, problem=UNUSED, detail=f"another split than {which}: config key input_split")
                for rel in others]  # fmt: skip
    entries += unlisted(folder, used, kind, companion)
    how = f"Hugging Face {kind}, {which} ({len(chosen)} files): {'; '.join(sorted(columns))}"
    return Found(entries, how, recordings, transcripts)


# --- save_to_disk (arrow) --------------------------------------------------------------------


def _arrow_files(folder: Folder) -> list[str]:
    """data-*.arrow files beside a dataset_info.json (or state.json) that save_to_disk wrote."""
    if folder.target is not None:
        return [folder.target] if folder.target.endswith(".arrow") else []
    if not folder.any_ending(".arrow"):
        return []
    infos = {os.path.dirname(rel) for rel in folder.files if os.path.basename(rel) in ("dataset_info.json", "state.json")}
    return sorted(
        rel for rel in folder.files
        if rel.endswith(".arrow") and os.path.basename(rel).startswith("data-") and os.path.dirname(rel) in infos
    )  # fmt: skip


def detect_arrow(folder: Folder) -> bool:
    return bool(_arrow_files(folder))


def open_arrow(path: str):
    """A save_to_disk arrow file as a table, memory-mapped (nothing read until used)."""
    import pyarrow as pa

    return pa.ipc.open_stream(pa.memory_map(path)).read_all()


def _arrow_table(where: str):
    try:
        table = open_arrow(where)
    except Exception as err:  # pyarrow's errors for a file that is no arrow stream
        raise InputDirError(f"{where}: not an arrow file save_to_disk wrote ({err})") from None
    return table, audio_column(table.schema, where)


def read_arrow(folder: Folder, options: dict) -> Found:
    return _read_dataset_files(folder, options, _arrow_files(folder), _arrow_table, "save_to_disk")


# --- audiofolder -----------------------------------------------------------------------------

METADATA_NAMES = ("metadata.csv", "metadata.jsonl")


def _metadata_files(folder: Folder) -> list[str]:
    if folder.target is not None:
        candidates = [folder.target]
    elif not folder.any_ending(*METADATA_NAMES):
        return []
    else:
        candidates = [rel for rel in folder.files if os.path.basename(rel) in METADATA_NAMES and rel.count(os.sep) <= 1]
    return sorted(rel for rel in candidates if "file_name" in _columns(folder.path(rel)))


def _columns(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            if path.endswith(".jsonl"):
                first = next((line for line in f if line.strip()), "{}")
                value = json.loads(first)
                return list(value) if isinstance(value, dict) else []
            return next(csv.reader(f), [])
    except (OSError, ValueError, UnicodeDecodeError):
        return []


def detect_audiofolder(folder: Folder) -> bool:
    return bool(_metadata_files(folder))


def read_audiofolder(folder: Folder, options: dict) -> Found:
    files = _metadata_files(folder)
    chosen, others, which = choose_split(files, options.get("split", "auto"), folder.root)
    entries, rows_total, columns, used = [], 0, set(), set()
    for rel in chosen:
        where = folder.path(rel)
        with open(where, encoding="utf-8-sig", newline="") as f:
            if rel.endswith(".jsonl"):
                records = []
                for number, line in enumerate(f, start=1):
                    if line.strip():
                        try:
                            records.append((number, json.loads(line)))
                        except ValueError:
                            records.append((number, None))
            else:
                records = [(n, r) for n, r in enumerate(csv.DictReader(f), start=2)]
        header = _columns(where)
        text = pick_column([c for c in header if c != "file_name"], options.get("text_column", "auto"),
                           TEXT_COLUMNS, "text", where)  # fmt: skip
        speaker = next((c for c in SPEAKER_COLUMNS if c in header), None)
        rows = []
        for number, record in records:
            origin = f"{rel}:{number}"
            if not isinstance(record, dict) or not isinstance(record.get("file_name"), str) or None in record:
                entries.append(Entry(name=origin, transcript=origin, problem="bad_table_row",
                                     detail=f"expected the columns {', '.join(header)}"))  # fmt: skip
                continue
            value = record.get(text)
            spk = record.get(speaker) if speaker else ""
            rows.append(Row(origin, record["file_name"], None if value is None else str(value),
                            "" if spk is None else str(spk)))  # fmt: skip
        got, audio_used = rows_entries(folder, rows, os.path.dirname(rel), "row")
        entries += got
        used |= audio_used | {rel}
        rows_total += len(rows)
        columns.add(f"file_name, text from column {text}")
    other_dirs = {os.path.dirname(rel) for rel in others}

    def companion(rel: str) -> str | None:
        if os.path.dirname(rel) in other_dirs or rel in others:
            return f"another split than {which}: config key input_split"
        return None

    entries += unlisted(folder, used, "metadata", companion)
    how = f"Hugging Face audiofolder, {which}: {', '.join(chosen)} ({'; '.join(sorted(columns))})"
    return Found(entries, how, rows_total, rows_total)


@functools.lru_cache(maxsize=64)
def _group_starts(path: str) -> tuple[int, ...]:
    """The first row of each row group of a parquet file (from its footer)."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    starts, total = [], 0
    for i in range(meta.num_row_groups):
        starts.append(total)
        total += meta.row_group(i).num_rows
    return tuple(starts)


def row_group(path: str, row: int) -> int:
    """The row group holding `row` (planning keeps a group in one unit)."""
    return bisect.bisect_right(_group_starts(path), row) - 1


# --- decoding a row's audio inside a job unit ------------------------------------------------


class EmbeddedAudio:
    """The audio of dataset rows, for one job unit: parquet row groups read once each (only
    the audio column, the file memory-mapped: half the time of reads), arrow files
    memory-mapped. `get(path, row)` -> (bytes or None, the row's path or None)."""

    def __init__(self):
        self._parquet: dict[str, tuple] = {}  # path -> (ParquetFile, row-group starts, column)
        self._group: tuple | None = None  # ((path, group), bytes array, path array, first row)
        self._arrow: dict[str, tuple] = {}

    def get(self, path: str, row: int) -> tuple[bytes | None, str | None]:
        if path.endswith(".arrow"):
            column = self._open_arrow(path)
            value = column[row]
            return _field(value, "bytes"), _field(value, "path")
        data, paths, first = self._parquet_group(path, row)
        return data[row - first].as_py(), paths[row - first].as_py()

    def _open_arrow(self, path: str):
        if path not in self._arrow:
            table = open_arrow(path)
            self._arrow[path] = table.column(audio_column(table.schema, path))
        return self._arrow[path]

    def _parquet_group(self, path: str, row: int):
        import pyarrow.parquet as pq

        if path not in self._parquet:
            pf = pq.ParquetFile(path, memory_map=True)
            self._parquet[path] = (pf, _group_starts(path), audio_column(pf.schema_arrow, path))
        pf, starts, column = self._parquet[path]
        group = row_group(path, row)
        if self._group is None or self._group[0] != (path, group):
            # one row group held at a time: a unit's rows come in file and row order
            # without pyarrow's thread pool: units run side by side on the cores, and its
            # threads cost a quarter more CPU per group there (116 against 86 ms, 100 raw clips)
            audio = pf.read_row_group(group, columns=[column], use_threads=False).column(0).combine_chunks()
            self._group = ((path, group), audio.field("bytes"), audio.field("path"), starts[group])
        return self._group[1:]

    @staticmethod
    def order(refs: list[tuple[str, int]]) -> list[int]:
        """Indices of refs in file and row order (each row group then read once)."""
        return sorted(range(len(refs)), key=lambda i: refs[i])


def _field(value, name: str):
    """A struct scalar's field as a Python value (None where the struct or field is null)."""
    if not value.is_valid:
        return None
    return value[name].as_py() if name in [f.name for f in value.type] else None
