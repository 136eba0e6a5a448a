"""Stages 0-1 for one job unit: decode, measure and resample every recording, canonicalise its text.

The unit records facts (durations, source format, quality measurements, canonical text, word
counts, what could not be read), one `ClipRecord` per entry; the filters and quality decisions
are applied by the aggregate, so changing one re-runs one cheap job instead of every resample.
A problem names the file at fault: the recording for an audio problem, the transcript (or the
table row) for a text problem.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor

from . import audio, text
from .inputs import Entry
from .records import ClipRecord, SourceAudio, wav_file_name

log = logging.getLogger(__name__)


def _audio(record: ClipRecord, path: str, wav_path: str) -> None:
    decoded = audio.load(path)
    record.source = SourceAudio(
        decoded.sample_rate, decoded.channels, decoded.format, round(decoded.duration, 6)
    )
    if decoded.samples is None:  # too long to be used: its header's duration is enough
        record.duration = round(decoded.duration, 6)
        return
    pcm = audio.to_pcm16(decoded.samples, decoded.sample_rate)
    record.quality = audio.measure(decoded.samples, pcm)
    audio.write_pcm16(wav_path, pcm)
    record.duration = round(len(pcm) / audio.SAMPLE_RATE, 6)


def process_entry(
    entry: Entry, input_dir: str, wav_dir: str, options: text.TextOptions
) -> ClipRecord:
    record = ClipRecord(
        name=entry.name,
        file=entry.file,
        problem=entry.problem,
        detail=entry.detail,
        audio=entry.audio,
        transcript=entry.transcript,
    )
    if entry.problem:
        return record
    problems: list[tuple[str, str, str]] = []  # (file at fault, reason, detail)
    try:
        _audio(record, os.path.join(input_dir, entry.audio), os.path.join(wav_dir, wav_file_name(entry.name)))
    except audio.AudioError as err:
        problems.append((entry.audio, err.reason, err.detail))
    try:
        raw = entry.text
        if raw is None:
            raw = text.read_transcript(os.path.join(input_dir, entry.transcript))
        record.text = text.canonical(raw, options)
        record.words = text.count_words(record.text)
        record.digits = text.has_digits(record.text)
        record.lost = text.lost_letters(raw, record.text)
    except text.TranscriptError as err:
        problems.append((entry.transcript, err.reason, err.detail))
    if problems:
        record.file, record.problem, record.detail = problems[0]
        log.info("%s: %s (%s)", *problems[0])
    return record


def process_unit(
    entries: list[Entry],
    input_dir: str,
    wav_dir: str,
    threads: int = 1,
    options: text.TextOptions = text.TextOptions(),
) -> list[ClipRecord]:
    """Process every entry; records come back in entry order."""
    os.makedirs(wav_dir, exist_ok=True)
    if threads <= 1:
        return [process_entry(e, input_dir, wav_dir, options) for e in entries]
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return list(pool.map(lambda e: process_entry(e, input_dir, wav_dir, options), entries))
