"""Long recordings cut into training clips: which recordings, and the cutting (issue 26).

Planning never opens a recording, so which ones are long is known only once stage 0's units have
measured them: the checkpoint `find_long_recordings` reads the units' records and lists each
recording longer than `filters.max_duration` that has a text (`find`: its unit and name).
Snakemake then plans one `segment_recording` job per listed recording, from a one-row manifest of
its own (`plan`): the recording's row of its unit's manifest (its files' sizes and mtimes, its
text where a table gave it), written only when that row changed. A re-run after one transcript's
edit re-cuts that recording only, and a dry run shows that job before stage 0 has run again.

A job (`cut`) decodes the whole recording, aligns its text sentence by sentence (alignment.py),
and turns whole consecutive sentences into clips of at most `max_clip_seconds`, each then made
exactly as stage 0 makes any clip (resampled, measured, voice activity, speaker voice, canonical
text), named NAME_SSSS (SSSS: the clip's first sentence, from 1) with the audio reference
`FILE#t=START,END`, the form Kaldi `segments` take. Its records replace the recording's own in
stage 1 (`merged`): the recording becomes `cut_into_clips` (ignored: its clips are the
candidates), `text_mismatch` (rejected: never cut into clips whose texts are not theirs), or
`too_long` where no clip could be cut (a one-sentence text, say: the detail says why); a sentence
left out of clips that were cut is a record of its own (`text_not_in_audio`, `audio_not_in_text`,
`sentence_too_long`), so quality.tsv and the review page list it with its span.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from . import alignment, audio, preprocess, text, voice_activity
from .planning import jobunits
from .records import CUT_INTO_CLIPS, UNTRANSCRIBED, ClipRecord, Entry, SourceAudio, audio_ref, parse_audio_ref, read_records

log = logging.getLogger(__name__)

# The `recording` wildcard of segment_recording: exactly the ids `recording_id` makes.
RECORDING_WILDCARD = r"l[0-9a-f]{16}"
MODES = ("align", "off")


@dataclass(frozen=True)
class Settings:
    """config key `segmentation`."""

    long_recordings: str = "align"  # align: cut at sentence boundaries; off: rejected as too_long
    espeak_voice: str = "vi"  # the voice that renders the text: the recordings' language
    max_clip_seconds: float = 15.0
    untranscribed: str = "off"  # transcribe: recordings without a text cut at pauses and transcribed
    recogniser: str = "hf://openai/whisper-large-v3-turbo"
    language: str = "vi"  # the recogniser's language code
    min_confidence: float = 0.5  # machine-made transcripts less sure than this are dropped
    batch_size: int = 8  # pieces the recogniser takes at once

    def __post_init__(self):
        if self.long_recordings not in MODES:
            raise ValueError(f"segmentation.long_recordings: {self.long_recordings!r} is not one of {MODES}")
        if self.untranscribed not in ("transcribe", "off"):
            raise ValueError(f"segmentation.untranscribed: {self.untranscribed!r} is not transcribe or off")


def recording_id(name: str) -> str:
    return "l" + hashlib.blake2b(name.encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()


def find(record_paths: Iterable[str], max_duration: float, settings: Settings) -> list[tuple[str, str, str]]:
    """(unit, name, why) of each recording to cut (UNIT.jsonl's records): "long", measured longer
    than max_duration with a text that could be read; "untranscribed", without a text (where
    segmentation.untranscribed says transcribe)."""
    cut_long, transcribe = settings.long_recordings != "off", settings.untranscribed == "transcribe"
    found = []
    for path in record_paths:
        unit = os.path.splitext(os.path.basename(path))[0]
        for r in read_records(path):
            if cut_long and not r.problem and r.duration is not None and r.duration > max_duration:
                found.append((unit, r.name, "long"))
            elif transcribe and r.problem == UNTRANSCRIBED:
                found.append((unit, r.name, UNTRANSCRIBED))
    return sorted(found)


def write_table(path: str, found: list[tuple[str, str, str]]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(found, f, ensure_ascii=False, indent=0)


def plan(table: str, units: str, folder: str, write: bool = True) -> list[str]:
    """The ids of the long recordings `table` (find's list) names. Each one's row is taken from
    its unit's manifest in `units` as planning last wrote it, so a transcript edited since the
    table was made changes the recording's manifest (and a dry run shows its job) at once; a
    recording no longer there, or now with a problem, is left to the checkpoint's next run. Where
    `write`, each manifest in `folder` is rewritten only when its row changed, others removed."""
    with open(table, encoding="utf-8") as f:
        found = json.load(f)
    wanted: dict[str, set[str]] = {}
    for unit, name, _ in found:
        wanted.setdefault(unit, set()).add(name)
    entries = {}
    for unit, names in wanted.items():
        try:
            rows = jobunits.read_manifest(os.path.join(units, unit + jobunits.MANIFEST_SUFFIX))
        except FileNotFoundError:  # re-planned into other units: the checkpoint runs again
            continue
        # (a recording without a transcript, which its unit marked untranscribed: to transcribe)
        entries.update({recording_id(e.name): e._replace(problem=None, detail="") for e in rows
                        if e.name in names and e.problem in (None, "missing_transcript")})  # fmt: skip
    if write:
        os.makedirs(folder, exist_ok=True)
        for ident, entry in entries.items():
            jobunits.write_manifest(os.path.join(folder, ident + jobunits.MANIFEST_SUFFIX), [entry])
        keep = {ident + jobunits.MANIFEST_SUFFIX for ident in entries}
        for name in os.listdir(folder):
            if name not in keep:
                os.remove(os.path.join(folder, name))
    return sorted(entries)


def _sentences(raw: str, options: text.TextOptions) -> tuple[list[str], list[str]]:
    """The text's sentences as given and as rendered (canonical); a piece with nothing to say
    (a lone "…") joins the sentence before it (or, before the first, is dropped)."""
    given, spoken = [], []
    for sentence in alignment.sentences(raw):
        try:
            canonical = text.canonical(sentence, options)
        except text.TranscriptError:
            canonical = ""
        if not any(c.isalnum() for c in canonical):
            if given:
                given[-1] += " " + sentence
            continue
        given.append(sentence)
        spoken.append(canonical)
    return given, spoken


def cut(entry: Entry, input_dir: str, wav_dir: str, settings: Settings,
        options: text.TextOptions = text.TextOptions(),
        edges: voice_activity.EdgeSilence | None = voice_activity.EdgeSilence(),
        voices: bool = True) -> list[ClipRecord]:  # fmt: skip
    """The records of one long recording: its own first (what became of it), then its clips' and
    its left-out sentences', by first sentence."""
    os.makedirs(wav_dir, exist_ok=True)
    source = ClipRecord(name=entry.name, file=entry.audio, audio=entry.audio, transcript=entry.transcript,
                        speaker=entry.speaker)  # fmt: skip
    embedded = None
    path, row, _ = parse_audio_ref(entry.audio)
    if row is not None:
        from .planning.layouts.huggingface import EmbeddedAudio

        embedded = EmbeddedAudio()
    untranscribed = entry.text is None and entry.transcript is None
    try:
        decoded = preprocess.decode(entry.audio, input_dir, embedded, max_seconds=math.inf)
        raw = "" if untranscribed else entry.text
        if raw is None:
            raw = text.read_transcript(os.path.join(input_dir, entry.transcript))
    except (audio.AudioError, text.TranscriptError) as err:  # stage 0 read them: changed since?
        source.problem, source.detail = err.reason, err.detail
        return [source]
    source.source = SourceAudio(decoded.sample_rate, decoded.channels, decoded.format, round(decoded.duration, 6))
    source.duration = round(decoded.duration, 6)  # (no clip of this name: the review page plays the recording)
    if untranscribed:
        return _transcribed(entry, decoded, source, input_dir, wav_dir, settings, options, edges, voices)
    given, spoken = _sentences(raw, options)
    if not given:
        source.problem, source.detail = "empty_text", "the text holds no sentence to align"
        return [source]
    found = alignment.align(decoded.samples.mean(axis=1), decoded.sample_rate, spoken, settings.espeak_voice)
    log.info("%s: %d sentences aligned (spread %.3f, %.0f%% of boundaries in pauses)",
             entry.audio, len(given), found.spread, 100 * found.paused)  # fmt: skip
    why = found.mismatch()
    if why:
        source.problem, source.detail = "text_mismatch", why
        return [source]
    left = {i: reason for i, reason in found.outliers().items()}
    clips: list[alignment.Clip] = []
    for run in _runs([i for i in range(len(given)) if i not in left]):
        made, out = alignment.group([found.spans[i] for i in run], [given[i] for i in run],
                                    settings.max_clip_seconds, min_seconds=0.0)  # fmt: skip
        clips += [alignment.Clip(c.start, c.end, c.text, (run[c.sentences[0]], run[c.sentences[1] - 1] + 1)) for c in made]
        left.update({run[k]: (reason, detail) for k, reason, detail in out})
    if not clips:  # nothing to cut (one long sentence, say): the recording is too long, and why
        source.problem = "too_long"
        source.detail = (f"{decoded.duration:.1f} s, and no clip could be cut from it: "
                         + "; ".join(f"sentence {i + 1}: {detail}" for i, (_, detail) in sorted(left.items())[:3]))  # fmt: skip
        return [source]
    listener, encoder = preprocess.listeners(edges, voices)
    made_records = []
    for clip in clips:
        span = (clip.start, clip.end)
        clip_entry = Entry(name=_name(entry, clip.sentences[0]), audio=_ref(entry, span),
                           transcript=_sentences_of(entry, *clip.sentences), text=clip.text,
                           speaker=entry.speaker)  # fmt: skip
        made_records.append(preprocess.process_entry(clip_entry, input_dir, wav_dir, options, listener=listener,
                                                     encoder=encoder, decoded=audio.cut(decoded, span)))  # fmt: skip
    for i, (reason, detail) in sorted(left.items()):
        ref = _ref(entry, found.spans[i])
        made_records.append(ClipRecord(name=_name(entry, i), file=ref, problem=reason, detail=detail, audio=ref,
                                       transcript=_sentences_of(entry, i, i + 1), speaker=entry.speaker, given=given[i],
                                       text=spoken[i]))  # fmt: skip
    made_records.sort(key=lambda r: r.name)
    source.problem = CUT_INTO_CLIPS
    source.detail = (f"{len(clips)} clips of {len(given) - len(left)} of its {len(given)} sentences"
                     + (f"; {len(left)} left out (see {entry.name}_NNNN)" if left else ""))  # fmt: skip
    return [source] + made_records


def _transcribed(entry: Entry, decoded: audio.Decoded, source: ClipRecord, input_dir: str, wav_dir: str,
                 settings: Settings, options, edges, voices) -> list[ClipRecord]:  # fmt: skip
    """A recording without a text: cut at the pauses voice activity hears into pieces of at most
    max_clip_seconds, each transcribed by the recogniser; a piece it is less sure of than
    min_confidence is left out (low_confidence), the others are clips marked with their
    confidence."""
    import soxr

    from .recogniser import RATE, Recogniser
    from .voice_activity import Detector

    mono = soxr.resample(decoded.samples.mean(axis=1), decoded.sample_rate, RATE).astype(np.float32)
    speech = Detector().segments(mono, RATE)
    if not speech:
        source.problem, source.detail = "no_speech", "voice activity hears no speech in it: nothing to transcribe"
        return [source]
    pieces, too_long = alignment.group(speech, [""] * len(speech), settings.max_clip_seconds, min_seconds=0.0)
    heard = Recogniser(settings.recogniser, settings.language, settings.batch_size).transcribe(
        [mono[int(c.start * RATE): int(c.end * RATE)] for c in pieces])  # fmt: skip
    listener, encoder = preprocess.listeners(edges, voices)
    made, low = [], 0
    by = f"transcribed by {settings.recogniser}"
    plural = lambda n, what: f"{n} {what}" + ("" if n == 1 else "es" if what.endswith("h") else "s")  # noqa: E731
    for k, (piece, said) in enumerate(zip(pieces, heard)):
        span = (round(piece.start, 3), round(piece.end, 3))
        ref, name = _ref(entry, span), _name(entry, k)
        if said.confidence < settings.min_confidence or not said.text:
            low += 1
            made.append(ClipRecord(name=name, file=ref, problem="low_confidence", audio=ref, transcript=f"{ref}: {by}",
                                   speaker=entry.speaker, given=said.text, confidence=said.confidence,
                                   detail=f"the recogniser's confidence {said.confidence:.2f} < "
                                          f"{settings.min_confidence:g}: {said.text[:60]!r}"))  # fmt: skip
            continue
        clip = Entry(name=name, audio=ref, transcript=f"{ref}: {by}", text=said.text, speaker=entry.speaker)
        record = preprocess.process_entry(clip, input_dir, wav_dir, options, listener=listener, encoder=encoder,
                                          decoded=audio.cut(decoded, span))  # fmt: skip
        record.confidence = said.confidence
        made.append(record)
    for _, _, detail in too_long:
        log.info("%s: a stretch of speech left out: %s", entry.audio, detail)
    clips = len(pieces) - low
    source.problem = CUT_INTO_CLIPS if clips else "low_confidence"
    source.detail = (f"no text: {plural(clips, 'clip')} {by} (confidence >= {settings.min_confidence:g}) of "
                     f"{plural(len(pieces), 'piece')} of speech" + (f"; {low} less sure left out" if low else "")
                     + (f"; {plural(len(too_long), 'stretch')} over {settings.max_clip_seconds:g} s without a "
                        "pause not transcribed" if too_long else ""))  # fmt: skip
    return [source] + made


def uses_recogniser(manifest: str) -> bool:
    """Whether a segment_recording job transcribes (its recording has no text): it runs a
    model, on a GPU where there is one."""
    (entry,) = jobunits.read_manifest(manifest)
    return entry.text is None and entry.transcript is None


def _ref(entry: Entry, span: tuple[float, float]) -> str:
    """The audio reference of a stretch of an entry's recording (span in seconds of what was
    decoded: where the entry is itself a segment, `FILE#t=S,E`, of the file from S on)."""
    path, row, own = parse_audio_ref(entry.audio)
    at = own[0] if own else 0.0
    return audio_ref(path, row, (round(span[0] + at, 3), round(span[1] + at, 3)))


def _sentences_of(entry: Entry, first: int, end: int) -> str:
    """Where a clip's text is: its recording's transcript (a file, a table's line), sentences."""
    numbers = f"{first + 1}" if end == first + 1 else f"{first + 1}-{end}"
    return f"{entry.transcript or entry.audio}, sentences {numbers}"


def _name(entry: Entry, sentence: int) -> str:
    return f"{entry.name}_{sentence + 1:04d}"


def _runs(indices: list[int]) -> list[list[int]]:
    """Runs of consecutive indices."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def merged(unit_paths: Iterable[str], segment_paths: Iterable[str]) -> Iterator[ClipRecord]:
    """Every record stage 1 decides on: the units', except those of recordings a segment job
    cut (or found mismatched), whose job's records stand in their place."""
    cut_records = [read_records(p) for p in segment_paths]
    replaced = {made[0].name for made in cut_records if made}
    for path in unit_paths:
        yield from (r for r in read_records(path) if r.name not in replaced)
    for made in cut_records:
        yield from made

