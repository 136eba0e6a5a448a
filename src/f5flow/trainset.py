"""Stage 4: raw.arrow + duration.json in upstream's format, from metadata.csv and the records,
and the held-out validation clips (validation.json).

Durations come from the stage 0-1 records (measured on the resampled wav), so no second pass
over the audio. Text is `text.tokenise` of the metadata text (one token per NFC character), the
tokenisation inference must use too.

The validation split is decided per clip by a hash of its name: a clip is held out when the hash
falls below `validation.fraction`, so adding clips never moves another clip between the sets.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import dataset, vocabulary
from .errors import F5flowError
from .records import ClipRecord, name_from_metadata_path
from .text import tokenise

# Upstream's CustomDataset reads exactly these columns.
COLUMNS = ("audio_path", "text", "duration")


def arrow_features():
    """raw.arrow's column types (imports `datasets`, seconds: only when writing)."""
    from datasets import Features, List, Value

    return Features(
        {"audio_path": Value("string"), "text": List(Value("string")), "duration": Value("float64")}
    )


class TrainsetError(F5flowError):
    pass


def check_vocab(rows: list[tuple[str, str]], vocab_lines: list[str], metadata: str, vocab_path: str):
    known = set(vocab_lines)
    if set("".join(text for _, text in rows)) <= known:
        return  # the usual case, in one pass over the characters; else find the first row
    for number, (audio_file, text) in enumerate(rows, start=2):  # line 1 is the header
        for ch in text:
            if ch not in known:
                raise TrainsetError(
                    f"{metadata} line {number} ({audio_file}): character {ch!r} (U+{ord(ch):04X}) "
                    f"is not in {vocab_path}, so it would silently train as a space. Re-run the "
                    "vocab stage (`snakemake vocab`) so vocab.txt holds every character of "
                    "metadata.csv, or remove the row"
                )


def durations_of(records: Iterable[ClipRecord]) -> dict[str, float]:
    """Each measured clip's duration by name (what `build` takes of the records)."""
    return {r.name: r.duration for r in records if r.duration is not None}


def build_columns(
    rows: list[tuple[str, str]], names: list[str], durations: Mapping[str, float], dataset_dir: str
) -> dict[str, list]:
    root = os.path.abspath(dataset_dir)
    missing = next((audio_file for (audio_file, _), name in zip(rows, names) if name not in durations), None)
    if missing is not None:
        raise TrainsetError(f"{missing} is in metadata.csv but has no stage 0-1 record")
    return {
        # upstream's loader opens audio_path as it is: absolute, so training can run anywhere
        # (audio_file is wavs/NAME.wav, relative: the join is os.path.join's)
        "audio_path": [f"{root}{os.sep}{audio_file}" for audio_file, _ in rows],
        "text": [tokenise(text) for _, text in rows],
        "duration": [durations[name] for name in names],
    }


@dataclass(frozen=True)
class ValidationSplit:
    """validation.* of the config."""

    fraction: float = 0.02
    min_clips: int = 10
    max_clips: int = 200


def held_out_score(name: str) -> float:
    """Where a clip name falls in [0, 1): the first 8 bytes of its sha256."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big") / 2**64


def choose_validation(names: list[str], split: ValidationSplit) -> tuple[list[str], str]:
    """The held-out clip names (at most max_clips, the lowest scores) and a sentence saying what
    was decided; none when fewer than min_clips would be held out (a tiny dataset)."""
    if split.fraction <= 0:
        return [], "no validation split (validation.fraction 0): all clips train"
    scored = sorted((held_out_score(n), n) for n in names)
    chosen = [n for score, n in scored if score < split.fraction][: split.max_clips]
    if len(chosen) < split.min_clips or len(chosen) * 2 > len(names):
        return [], (
            f"no validation split: {len(chosen)} of {len(names)} clips fall in validation.fraction "
            f"{split.fraction:g}, fewer than validation.min_clips ({split.min_clips}); all clips train "
            "and the fine-tune reports no validation loss"
        )
    return chosen, (
        f"validation: {len(chosen)} of {len(names)} clips held out (validation.fraction "
        f"{split.fraction:g}, chosen by name hash), never trained on"
    )


# Rows per Arrow batch: the text columns of a million clips at once would be gigabytes.
WRITE_BATCH_ROWS = 100_000


def write(rows: list[tuple[str, str]], names: list[str], durations: Mapping[str, float],
          dataset_dir: str, arrow_path: str, duration_path: str) -> None:  # fmt: skip
    """raw.arrow and duration.json of rows (metadata.csv's) named `names`."""
    # The writer upstream's prepare_csv_wavs uses, so the file is what its loader expects.
    from datasets.arrow_writer import ArrowWriter

    # The columns' types given, as the writer would infer them (tested): inferring them walks
    # every character of every text (25 s at a million clips).
    with ArrowWriter(path=arrow_path, features=arrow_features()) as writer:
        for start in range(0, len(rows), WRITE_BATCH_ROWS):
            stop = start + WRITE_BATCH_ROWS
            writer.write_batch(build_columns(rows[start:stop], names[start:stop], durations, dataset_dir))
        writer.finalize()
    with open(duration_path, "w", encoding="utf-8") as f:
        json.dump({"duration": [durations[name] for name in names]}, f, ensure_ascii=False)


def write_validation(path: str, columns: dict[str, list], rows: list[tuple[str, str]], note: str,
                     split: ValidationSplit) -> None:  # fmt: skip
    """validation.json: the held-out clips as raw.arrow's columns hold them, and why."""
    clips = [
        {"audio_file": audio_file, **{name: columns[name][i] for name in COLUMNS}}
        for i, (audio_file, _) in enumerate(rows)
    ]
    record = {"split": vars(split), "note": note, "clips": clips}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=1)
        f.write("\n")


def read_validation(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def build(
    metadata: str,
    durations: Mapping[str, float],
    vocab_path: str,
    arrow_path: str,
    duration_path: str,
    validation_path: str | None = None,
    split: ValidationSplit | None = None,
) -> tuple[int, str]:
    """Write the training set (and, with validation_path, the held-out clips); return the number
    of training rows and what was decided about validation. durations: each clip's, by name
    (records.read_durations, durations_of)."""
    try:
        rows = dataset.read_metadata(metadata)
    except ValueError as err:
        raise TrainsetError(str(err)) from None
    if not rows:
        raise TrainsetError(f"{metadata} has no rows: nothing to train on (see rejected.tsv)")
    check_vocab(rows, vocabulary.read_lines(vocab_path), metadata, vocab_path)
    split = split or ValidationSplit(fraction=0.0)
    try:
        names = [name_from_metadata_path(audio_file) for audio_file, _ in rows]
    except ValueError as err:
        raise TrainsetError(f"metadata.csv: {err}") from None
    held_out, note = choose_validation(names, split)
    held = set(held_out)
    train = [(row, name) for row, name in zip(rows, names) if name not in held]
    validation = [(row, name) for row, name in zip(rows, names) if name in held]
    train_rows, train_names = [r for r, _ in train], [n for _, n in train]
    validation_rows, validation_names = [r for r, _ in validation], [n for _, n in validation]
    root = os.path.dirname(metadata)
    write(train_rows, train_names, durations, root, arrow_path, duration_path)
    if validation_path:
        columns = build_columns(validation_rows, validation_names, durations, root)
        write_validation(validation_path, columns, validation_rows, note, split)
    return len(train_rows), note
