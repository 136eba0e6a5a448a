"""Stage 4: raw.arrow + duration.json in upstream's format, from metadata.csv and the records.

Durations come from the stage 0-1 records (measured on the resampled wav), so no second pass
over the audio. Text is `text.tokenise` of the metadata text (one token per NFC character), the
tokenisation inference must use too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable

from . import dataset, vocabulary
from .errors import F5flowError
from .records import ClipRecord, name_from_metadata_path
from .text import tokenise

# Upstream's CustomDataset reads exactly these columns.
COLUMNS = ("audio_path", "text", "duration")


class TrainsetError(F5flowError):
    pass


def check_vocab(rows: list[tuple[str, str]], vocab_lines: list[str], metadata: str, vocab_path: str):
    known = set(vocab_lines)
    for number, (audio_file, text) in enumerate(rows, start=2):  # line 1 is the header
        for ch in text:
            if ch not in known:
                raise TrainsetError(
                    f"{metadata} line {number} ({audio_file}): character {ch!r} (U+{ord(ch):04X}) "
                    f"is not in {vocab_path}, so it would silently train as a space. Re-run the "
                    "vocab stage (`snakemake vocab`) so vocab.txt holds every character of "
                    "metadata.csv, or remove the row"
                )


def build_columns(
    rows: list[tuple[str, str]], durations: dict[str, float], dataset_dir: str
) -> dict[str, list]:
    root = os.path.abspath(dataset_dir)
    columns: dict[str, list] = {name: [] for name in COLUMNS}
    for audio_file, text in rows:
        try:
            name = name_from_metadata_path(audio_file)
        except ValueError as err:
            raise TrainsetError(f"metadata.csv: {err}") from None
        if name not in durations:
            raise TrainsetError(f"{audio_file} is in metadata.csv but has no stage 0-1 record")
        # upstream's loader opens audio_path as it is: absolute, so training can run anywhere
        columns["audio_path"].append(os.path.join(root, audio_file))
        columns["text"].append(tokenise(text))
        columns["duration"].append(durations[name])
    return columns


def write(columns: dict[str, list], arrow_path: str, duration_path: str) -> None:
    # The writer upstream's prepare_csv_wavs uses, so the file is what its loader expects.
    from datasets.arrow_writer import ArrowWriter

    with ArrowWriter(path=arrow_path) as writer:
        writer.write_batch(columns)
        writer.finalize()
    with open(duration_path, "w", encoding="utf-8") as f:
        json.dump({"duration": columns["duration"]}, f, ensure_ascii=False)


def build(
    metadata: str,
    records: Iterable[ClipRecord],
    vocab_path: str,
    arrow_path: str,
    duration_path: str,
) -> int:
    try:
        rows = dataset.read_metadata(metadata)
    except ValueError as err:
        raise TrainsetError(str(err)) from None
    if not rows:
        raise TrainsetError(f"{metadata} has no rows: nothing to train on (see rejected.tsv)")
    check_vocab(rows, vocabulary.read_lines(vocab_path), metadata, vocab_path)
    durations = {r.name: r.duration for r in records if r.duration is not None}
    columns = build_columns(rows, durations, os.path.dirname(metadata))
    write(columns, arrow_path, duration_path)
    return len(rows)
