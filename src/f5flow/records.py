"""The stage 0-1 record: what one job unit learned about one input, shared by every later step.

A job unit writes one `ClipRecord` per entry (JSON lines); the aggregates (metadata.csv,
rejected.tsv, wavs/) and the features read them back. Facts only: the filters are applied by the
aggregate, so changing a filter re-runs no resampling. New per-file facts (audio quality, content
hashes) go into `SourceAudio`, `AudioQuality` or a field of their own, with a default so older records still load.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import NamedTuple

import orjson

# Reasons of inputs that are no clip candidates (not counted in the rejected share): files the
# operating system wrote, and files of a known layout that hold no clip of the chosen
# configuration (Common Voice's other splits' clips, LibriTTS's other transcript, a dataset card).
IGNORED = "ignored_system_file"
UNUSED = "unused_file"
# a long recording cut into clips (segmentation.py): its clips are the candidates
CUT_INTO_CLIPS = "cut_into_clips"
# a recording without a transcript, to be transcribed (segmentation.untranscribed: transcribe)
UNTRANSCRIBED = "untranscribed"
NOT_CANDIDATES = (IGNORED, UNUSED, CUT_INTO_CLIPS)


class Entry(NamedTuple):
    """One recording with its transcript, or one input that cannot be one.

    `problem` is set when discovery alone decides the entry's fate (its files are then not read).
    A named tuple: a million are made at every start-up, and this is the cheapest immutable
    record Python has (and json writes it as a list, the unit manifest's row).
    """

    name: str
    audio: str | None = None  # an audio reference (audio_ref): a file, a dataset row, a segment
    transcript: str | None = None  # a .txt file, or TABLE:LINE when `text` comes from a table
    text: str | None = None  # the transcript as read from a table or manifest row
    problem: str | None = None
    detail: str = ""
    speaker: str = ""  # as the layout tells it (a folder, Common Voice's client_id, utt2spk)
    # size and mtime_ns of the entry's files (audio, then a transcript file), flat: written into
    # the job unit's manifest, so that a changed recording or transcript rewrites the manifest and
    # re-runs its unit without each file being a declared input (a table row's text is itself in
    # the manifest)
    stamps: tuple = ()

    @property
    def file(self) -> str:
        """The input a report names for this entry."""
        return self.audio or self.transcript or self.name

    @classmethod
    def from_row(cls, row: list) -> Entry:
        """An entry back from its manifest row (json made the tuples lists)."""
        return cls(*row[:-1], tuple(row[-1]))


# An input recording is named by an audio reference: a file (relative to the input folder, or
# absolute), a row of a dataset file that embeds the audio (`data/train.parquet#row=17`), or a
# segment of a longer recording in seconds (`wav/rec1.wav#t=3.2,5.85`, a W3C media fragment; of a
# row: `data/train.parquet#row=17&t=3.2,5.85`).
_SPAN = r"t=(\d+(?:\.\d*)?),(\d+(?:\.\d*)?)"
_FRAGMENT = re.compile(rf"#(?:row=(\d+)(?:&{_SPAN})?|{_SPAN})\Z")


def audio_ref(path: str, row: int | None = None, span: tuple[float, float] | None = None) -> str:
    fragments = ([f"row={row}"] if row is not None else []) + (
        [f"t={_seconds(span[0])},{_seconds(span[1])}"] if span is not None else []
    )
    return f"{path}#{'&'.join(fragments)}" if fragments else path


def _seconds(value: float) -> str:
    # to the microsecond (Kaldi segments of hour-long recordings), without trailing zeros
    return f"{value:.6f}".rstrip("0").rstrip(".")


def parse_audio_ref(ref: str) -> tuple[str, int | None, tuple[float, float] | None]:
    """(path, row, span) of an audio reference (see audio_ref)."""
    found = _FRAGMENT.search(ref) if "#" in ref else None
    if found is None:
        return ref, None, None
    row, row_start, row_end, start, end = found.groups()
    path = ref[: found.start()]
    if row is not None:
        return path, int(row), None if row_start is None else (float(row_start), float(row_end))
    return path, None, (float(start), float(end))


# metadata.csv's audio_file column: the resampled clip, relative to the dataset folder.
WAVS_DIR = "wavs"
WAV_SUFFIX = ".wav"


@contextlib.contextmanager
def no_cycle_collection():
    """Python's cycle collector off while a record per recording is made (a million objects,
    none in a cycle): it would walk all of them again and again as they are made, a third of the
    time of discovery and of the aggregates at a million recordings. Restored afterwards."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def metadata_path(name: str) -> str:
    """`wavs/NAME.wav`: how metadata.csv names a clip."""
    return f"{WAVS_DIR}/{name}{WAV_SUFFIX}"


def name_from_metadata_path(audio_file: str) -> str:
    """NAME from `wavs/NAME.wav` (the inverse of `metadata_path`)."""
    prefix = WAVS_DIR + "/"
    if not (audio_file.startswith(prefix) and audio_file.endswith(WAV_SUFFIX)):
        raise ValueError(f"{audio_file!r} is not of the form {metadata_path('NAME')}")
    return audio_file[len(prefix) : -len(WAV_SUFFIX)]


def wav_file_name(name: str) -> str:
    """The resampled clip's file name inside a wavs folder."""
    return name + WAV_SUFFIX


# slots: the aggregates hold a record per recording (a million): a third of the memory of
# per-instance dicts, and made faster. Not frozen: a frozen dataclass sets each field through
# object.__setattr__, and made the two below 2.5-3x slower to read back (2.7 s of build_metadata
# at a million records).
@dataclass(slots=True)
class SourceAudio:
    """The input recording as found (before resampling)."""

    sample_rate: int
    channels: int
    format: str  # container/codec, e.g. WAV/PCM_16, MP3/MPEG_LAYER_III, mov/aac
    duration: float


@dataclass(slots=True)
class AudioQuality:
    """Measured on the decoded source (audio.measure)."""

    peak_dbfs: float
    rms_dbfs: float
    clipped_fraction: float
    dc_offset: float
    audio_hash: str


@dataclass(slots=True)
class Speech:
    """What voice activity found in a clip (voice_activity), in seconds of the clip as decoded
    (before a trim)."""

    seconds: float  # speech in all
    fraction: float  # of the clip
    leading: float  # silence before the first speech (the whole clip when there is none)
    trailing: float  # silence after the last speech
    trimmed_start: float = 0.0  # cut from the clip's start by the edge_silence trim
    trimmed_end: float = 0.0


# What a record holds, as a number the resample rule passes as a param: raised with every fact a
# record gains or changes (2: `markup`, 3: `speech`, 4: `voice`, `given`), so Snakemake re-runs the
# units whose records lack it.
RECORD_FORMAT = 4


@dataclass(slots=True)
class ClipRecord:
    """One input entry after stages 0-1.

    `problem`/`detail` are set when the entry cannot be used at all (a stable reason code for
    rejected.tsv and a message a person can act on); then the facts below may be missing.
    """

    name: str  # unique clip name: wavs/NAME.wav
    file: str  # the input file a report names: the one at fault when there is a problem
    problem: str | None = None
    detail: str = ""
    audio: str | None = None  # the input recording (relative to input_dir, or absolute)
    transcript: str | None = None  # the transcript file, or TABLE:LINE for a table row
    speaker: str = ""  # as the layout tells it ("" where it does not)
    text: str | None = None  # canonical transcript
    given: str | None = None  # the transcript as given, where it differs from `text` (the review page)
    words: int | None = None
    digits: bool = False  # the canonical text still holds digits (text.verbalise off)
    lost: list[str] = field(default_factory=list)  # letters canonicalisation dropped (text.lost_letters)
    markup: list[str] = field(default_factory=list)  # markup, addresses, code in the text as given (text.markup)
    duration: float | None = None  # seconds, measured on the resampled wav
    source: SourceAudio | None = None
    quality: AudioQuality | None = None
    speech: Speech | None = None  # voice activity (voice_activity.Listener)
    voice: str | None = None  # the speaker embedding of a clip with speech (speakers.encode)
    confidence: float | None = None  # a machine-made transcript's: the recogniser's (None: given)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> ClipRecord:
        return cls.from_dict(json.loads(line))

    @classmethod
    def from_dict(cls, data: dict) -> ClipRecord:
        if not data.keys() <= _RECORD_FIELDS:
            unknown = sorted(set(data) - _RECORD_FIELDS)
            raise ValueError(f"record of {data.get('name')!r} has unknown fields {unknown}")
        source, quality, speech = data.get("source"), data.get("quality"), data.get("speech")
        if source is not None:
            data["source"] = SourceAudio(**source)
        if quality is not None:
            data["quality"] = AudioQuality(**quality)
        if speech is not None:
            data["speech"] = Speech(**speech)
        return cls(**data)


_RECORD_FIELDS = frozenset(f.name for f in fields(ClipRecord))


def write_records(path: str, records: Iterable[ClipRecord]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for record in records:
            f.write(record.to_json() + "\n")


def read_records(path: str) -> list[ClipRecord]:
    return [ClipRecord.from_dict(data) for data in _json_lines(path)]


def _json_lines(path: str) -> list:
    """Every line's JSON value, parsed as one array: orjson (2.3x faster than json at a million
    records), json where orjson refuses the file (a silent clip's peak is -Infinity, which only
    json writes and reads) and to say which line is broken."""
    with open(path, "rb") as f:
        lines = [line for line in f.read().split(b"\n") if line.strip()]
    array = b"[" + b",".join(lines) + b"]"
    try:
        return orjson.loads(array)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(array)
    except ValueError:
        return [json.loads(line) for line in lines]


def read_durations(paths: Iterable[str]) -> dict[str, float]:
    """Each measured clip's duration by name, from the records (without making the records)."""
    durations = {}
    for path in paths:
        for data in _json_lines(path):
            if data.get("duration") is not None:
                durations[data["name"]] = data["duration"]
    return durations


def read_all_records(paths: Iterable[str]) -> Iterator[ClipRecord]:
    """Every record of every unit, unit by unit (the aggregates read them once, streaming)."""
    for path in paths:
        yield from read_records(path)

