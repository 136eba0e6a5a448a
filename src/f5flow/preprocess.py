"""Stages 0-1 for one job unit: decode, measure and resample every recording, canonicalise its text.

The unit records facts (durations, source format, quality measurements, canonical text, word
counts, what could not be read), one `ClipRecord` per entry; the filters and quality decisions
are applied by the aggregate, so changing one re-runs one cheap job instead of every resample.
A problem names the file at fault: the recording for an audio problem, the transcript (or the
table row) for a text problem.
"""

from __future__ import annotations

import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor

from . import audio, speakers, text, voice_activity
from .records import UNTRANSCRIBED, ClipRecord, Entry, SourceAudio, parse_audio_ref, wav_file_name

log = logging.getLogger(__name__)


def decode(ref: str, input_dir: str, embedded, max_seconds: float = audio.MAX_DECODE_SECONDS) -> audio.Decoded:
    """Decode an audio reference (records.audio_ref): a file, a segment of one, or a dataset
    row's embedded recording (its path where the row holds no bytes), or a segment of that."""
    path, row, span = parse_audio_ref(ref)
    path = os.path.join(input_dir, path)
    if row is None:
        return audio.load(path, span, max_seconds=max_seconds)
    data, row_path = embedded.get(path, row)
    if data:
        whole = audio.load(data, label=f"{path}#row={row}", max_seconds=math.inf if span else max_seconds)
        return audio.cut(whole, span) if span else whole
    if row_path:  # a dataset that keeps paths, not bytes: beside the dataset file, or absolute
        found = os.path.join(os.path.dirname(path), row_path)
        if os.path.isfile(found):
            return audio.load(found, span, max_seconds=max_seconds)
    raise audio.AudioError("missing_audio", f"row {row} holds no audio bytes, and its path "
                                            f"{row_path!r} names no file")  # fmt: skip


def _audio(record: ClipRecord, decoded: audio.Decoded, wav_path: str, listener, encoder) -> None:
    record.source = SourceAudio(
        decoded.sample_rate, decoded.channels, decoded.format, round(decoded.duration, 6)
    )
    if decoded.samples is None:  # too long to be used: its header's duration is enough
        record.duration = round(decoded.duration, 6)
        return
    pcm = audio.to_pcm16(decoded.samples, decoded.sample_rate)
    record.quality = audio.measure(decoded.samples, pcm)
    if listener is not None:
        pcm, record.speech = listener.listen(pcm, audio.SAMPLE_RATE)
        if record.speech.seconds > 0 and encoder is not None:  # whose voice: stage 1's speaker_outlier check
            record.voice = speakers.encode(encoder.embed(pcm / 32768.0, audio.SAMPLE_RATE))
    audio.write_pcm16(wav_path, pcm)
    record.duration = round(len(pcm) / audio.SAMPLE_RATE, 6)


def process_entry(
    entry: Entry,
    input_dir: str,
    wav_dir: str,
    options: text.TextOptions,
    embedded=None,
    listener: voice_activity.Listener | None = None,
    encoder: speakers.Encoder | None = None,
    decoded: audio.Decoded | None = None,
    transcribe: bool = False,
) -> ClipRecord:
    """One entry's record (and its clip in wav_dir); `decoded`: its audio, where the caller has
    it already (a clip cut from a long recording), else decoded from the entry's reference.
    `transcribe`: a recording without a transcript is measured and marked UNTRANSCRIBED (a
    segment_recording job transcribes it), not rejected as missing_transcript."""
    record = ClipRecord(
        name=entry.name,
        file=entry.file,
        problem=entry.problem,
        detail=entry.detail,
        audio=entry.audio,
        transcript=entry.transcript,
        speaker=entry.speaker,
    )
    untranscribed = transcribe and entry.problem == "missing_transcript" and entry.audio is not None
    if entry.problem and not untranscribed:
        return record
    problems: list[tuple[str, str, str]] = []  # (file at fault, reason, detail)
    try:
        wav_path = os.path.join(wav_dir, wav_file_name(entry.name))
        if decoded is None:
            decoded = decode(entry.audio, input_dir, embedded)
        _audio(record, decoded, wav_path, listener, encoder)
    except audio.AudioError as err:
        problems.append((entry.audio, err.reason, err.detail))
    if untranscribed:  # (after an audio problem, which is said first: never transcribed)
        problems.append((entry.audio, UNTRANSCRIBED, "no transcript: a segment_recording job transcribes it"))
        return _with_problems(record, problems)
    try:
        raw = entry.text
        if raw is None:
            raw = text.read_transcript(os.path.join(input_dir, entry.transcript))
        record.given = raw.strip()  # kept where canonicalisation fails or changes it (review page)
        record.markup = text.markup(raw)  # before the verbaliser reads it out as words
        record.text = text.canonical(raw, options)
        if record.given == record.text:
            record.given = None
        record.words = text.count_words(record.text)
        record.digits = text.has_digits(record.text)
        record.lost = text.lost_letters(raw, record.text)
    except text.TranscriptError as err:
        problems.append((entry.transcript, err.reason, err.detail))
    return _with_problems(record, problems)


def _with_problems(record: ClipRecord, problems: list[tuple[str, str, str]]) -> ClipRecord:
    """The record with its first problem (file at fault, reason, detail), where it has one."""
    if problems:
        record.file, record.problem, record.detail = problems[0]
        log.info("%s: %s (%s)", *problems[0])
    return record


def listeners(edges: voice_activity.EdgeSilence | None, voices: bool):
    """(voice activity's listener, the speaker encoder) a job uses for all its clips; None for
    what is off (edges None: neither)."""
    listener = voice_activity.Listener(edges) if edges is not None else None
    encoder = speakers.Encoder() if listener is not None and voices else None  # loaded when first asked
    return listener, encoder


def process_unit(
    entries: list[Entry],
    input_dir: str,
    wav_dir: str,
    threads: int = 1,
    options: text.TextOptions = text.TextOptions(),
    edges: voice_activity.EdgeSilence | None = voice_activity.EdgeSilence(),
    voices: bool = True,
    transcribe: bool = False,
) -> list[ClipRecord]:
    """Process every entry; records come back in entry order. Rows of a dataset file that
    embeds its audio are decoded in file and row order, each row group read once, in this
    thread; the other entries on `threads` threads. Voice activity is found in every decoded clip,
    and the voice of each clip with speech embedded (edges=None: neither; voices=False: no voices)."""
    from .planning.layouts.huggingface import EmbeddedAudio

    os.makedirs(wav_dir, exist_ok=True)
    listener, encoder = listeners(edges, voices)
    records: list[ClipRecord | None] = [None] * len(entries)
    rows = [i for i, e in enumerate(entries) if e.audio and not e.problem and "#row=" in e.audio]
    if rows:
        embedded = EmbeddedAudio()
        refs = [parse_audio_ref(entries[i].audio)[:2] for i in rows]
        for k in EmbeddedAudio.order(refs):
            records[rows[k]] = process_entry(entries[rows[k]], input_dir, wav_dir, options, embedded, listener,
                                             encoder, transcribe=transcribe)  # fmt: skip
    others = [i for i, r in enumerate(records) if r is None]
    run = lambda i: process_entry(entries[i], input_dir, wav_dir, options, listener=listener, encoder=encoder,  # noqa: E731
                                  transcribe=transcribe)  # fmt: skip
    if threads <= 1:
        for i in others:
            records[i] = run(i)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for i, record in zip(others, pool.map(run, others)):
                records[i] = record
    return records
