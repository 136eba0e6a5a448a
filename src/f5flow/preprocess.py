"""Stages 0-1 for one job unit: resample every recording of the unit and check its transcript.

The unit records facts (durations, normalised text, word counts, what could not be read), one
`ClipRecord` per entry; the length and word-count filters are applied by the aggregate, so
changing a filter re-runs one cheap job instead of every resample.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor

from . import audio, text
from .inputs import Entry
from .records import ClipRecord, SourceAudio, wav_file_name

log = logging.getLogger(__name__)


def process_entry(
    entry: Entry, input_dir: str, wav_dir: str, sox: str, lowercase: bool
) -> ClipRecord:
    record = ClipRecord(name=entry.name, file=entry.file, problem=entry.problem, detail=entry.detail)
    if entry.problem:
        return record
    problems: list[tuple[str, str]] = []
    if entry.audio:
        src = os.path.join(input_dir, entry.audio)
        try:
            out = audio.resample(src, os.path.join(wav_dir, wav_file_name(entry.name)), sox=sox)
            record.duration = round(out.duration, 6)
        except audio.AudioError as err:
            problems.append(("unreadable_audio", str(err)))
        try:
            # after sox, so the header comes from the page cache: on a corpus larger than memory
            # a probe first costs one more disk read per file
            source = audio.probe(src)
            record.source = SourceAudio(
                source.sample_rate, source.channels, source.subtype, round(source.duration, 6)
            )
        except audio.AudioError:
            pass  # sox reads more than libsndfile; its verdict above is the one that counts
    else:
        problems.append(("missing_audio", f"no {entry.name}.wav beside {entry.transcript}"))
    if entry.transcript:
        try:
            record.text = text.read_transcript(
                os.path.join(input_dir, entry.transcript), lowercase=lowercase
            )
            record.words = text.count_words(record.text)
        except text.TranscriptError as err:
            problems.append((err.reason, err.detail))
    else:
        problems.append(("missing_transcript", f"no {entry.name}.txt beside {entry.audio}"))
    if problems:
        record.problem, record.detail = problems[0]
        log.info("%s: %s (%s)", entry.file, *problems[0])
    return record


def process_unit(
    entries: list[Entry], input_dir: str, wav_dir: str, threads: int = 1, lowercase: bool = True
) -> list[ClipRecord]:
    """Resample and check every entry; records come back in entry order."""
    os.makedirs(wav_dir, exist_ok=True)
    sox = audio.sox_binary()
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return list(
            pool.map(lambda e: process_entry(e, input_dir, wav_dir, sox, lowercase), entries)
        )
