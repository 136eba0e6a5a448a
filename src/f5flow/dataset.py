"""Stage 0-1 aggregates: the published wav folder, metadata.csv, the dataset vocab, rejected.tsv.

Outputs are sorted by name, so they are byte-identical whatever the job-unit size was.
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .records import WAV_SUFFIX, ClipRecord, metadata_path

log = logging.getLogger(__name__)

METADATA_HEADER = ("audio_file", "text")
REJECTED_HEADER = ("file", "reason", "detail")


@dataclass(frozen=True)
class Filters:
    """config key `filters`: what a usable clip must meet."""

    min_duration: float = 1.0
    max_duration: float = 30.0
    min_words: int = 3


@dataclass
class Dataset:
    accepted: list[tuple[str, str]]  # (name, text)
    rejected: list[tuple[str, str, str]]  # (file, reason, detail)

    @property
    def characters(self) -> list[str]:
        return sorted({ch for _, text in self.accepted for ch in text})


def rejection(record: ClipRecord, filters: Filters) -> tuple[str, str] | None:
    """The first reason a record stays out of metadata.csv, or None."""
    if record.problem:
        return record.problem, record.detail
    if record.words < filters.min_words:
        return "too_few_words", f"{record.words} words < {filters.min_words}"
    duration = record.duration
    if duration < filters.min_duration:
        return "too_short", f"{duration:.3f} s < {filters.min_duration:g} s"
    if duration > filters.max_duration:
        return "too_long", f"{duration:.3f} s > {filters.max_duration:g} s"
    return None


def build(records: Iterable[ClipRecord], filters: Filters) -> Dataset:
    accepted, rejected = [], []
    for record in records:
        reason = rejection(record, filters)
        if reason is None:
            accepted.append((record.name, record.text))
        else:
            rejected.append((record.file, *reason))
    accepted.sort()
    rejected.sort()
    return Dataset(accepted, rejected)


def _writer(f, delimiter: str):
    # Minimal quoting: a field with the delimiter or a '"' is quoted, as Python's csv reader
    # (used by upstream prepare_csv_wavs) expects; everything else is written as it is.
    return csv.writer(f, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def write_metadata(path: str, dataset: Dataset) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = _writer(f, "|")
        writer.writerow(METADATA_HEADER)
        writer.writerows((metadata_path(name), text) for name, text in dataset.accepted)


def write_rejected(path: str, dataset: Dataset) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = _writer(f, "\t")
        writer.writerow(REJECTED_HEADER)
        writer.writerows(dataset.rejected)


def write_characters(path: str, characters: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(ch + "\n" for ch in characters))


def read_metadata(path: str) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="|"))
    if not rows or tuple(rows[0]) != METADATA_HEADER:
        raise ValueError(f"{path}: header must be {'|'.join(METADATA_HEADER)}")
    return [(row[0], row[1]) for row in rows[1:]]


def summarise(dataset: Dataset) -> str:
    reasons = Counter(reason for _, reason, _ in dataset.rejected)
    lines = [f"accepted {len(dataset.accepted)}, rejected {len(dataset.rejected)}"]
    lines += [f"  {reason}: {n}" for reason, n in sorted(reasons.items())]
    return "\n".join(lines)


def publish_wavs(unit_dirs: Iterable[str], out_dir: str) -> int:
    """Hard-link every resampled wav into one flat folder (copy where links cannot cross disks)."""
    os.makedirs(out_dir, exist_ok=True)
    count = 0
    for unit_dir in unit_dirs:
        with os.scandir(unit_dir) as it:
            for dirent in it:
                if not dirent.name.endswith(WAV_SUFFIX):
                    continue
                target = os.path.join(out_dir, dirent.name)
                try:
                    os.link(dirent.path, target)
                except OSError:
                    shutil.copy2(dirent.path, target)
                count += 1
    return count
