"""Stage 0-1 aggregates: metadata.csv, rejected.tsv, quality.tsv, the dataset vocab, wavs/.

Every input ends in one place: kept (metadata.csv, possibly flagged in quality.tsv), or not kept
(rejected.tsv with the file at fault, a reason code and a detail). Outputs are sorted by name, so
they are byte-identical whatever the job-unit size was.
"""

from __future__ import annotations

import csv
import logging
import math
import os
import re
import shutil
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from .errors import F5flowError
from .records import NOT_CANDIDATES
from .records import WAV_SUFFIX, ClipRecord, metadata_path

log = logging.getLogger(__name__)

METADATA_HEADER = ("audio_file", "text")
REJECTED_HEADER = ("file", "reason", "detail")
QUALITY_HEADER = (
    "file", "clip", "speaker", "duration", "source_rate", "source_channels", "source_format", "peak_dbfs",
    "rms_dbfs", "clipped_fraction", "silence", "dc_offset", "words", "chars_per_second", "digits",
    "markup", "speech_fraction", "leading_silence", "trailing_silence", "trimmed", "speaker_similarity",
    "transcript_confidence", "outcome", "reason",
)  # fmt: skip
ACTIONS = ("flag", "drop")
# quality.tsv outcomes: in metadata.csv, and not (ignored system files are neither)
KEPT = ("kept", "flagged")
NOT_KEPT = ("rejected", "dropped")
# the speaking-rate check needs a median worth the name
MIN_CLIPS_FOR_RATE = 5
# checks of the transcript: a clip they drop is named by its transcript in rejected.tsv (the
# file to fix), as a text problem is
TEXT_CHECKS = ("duplicate_text", "lost_letters", "markup")


@dataclass(frozen=True)
class Filters:
    """config key `filters`: what a usable clip must meet."""

    min_duration: float = 1.0
    max_duration: float = 30.0
    min_words: int = 3


@dataclass(frozen=True)
class QualityChecks:
    """config key `quality`: each check's action (flag: keep and mark; drop) and threshold."""

    max_rejected_fraction: float = 0.5
    silence: dict = field(default_factory=lambda: {"action": "drop", "peak_dbfs": -40.0})
    clipping: dict = field(default_factory=lambda: {"action": "flag", "fraction": 0.001})
    dc_offset: dict = field(default_factory=lambda: {"action": "flag", "offset": 0.05})
    speaking_rate: dict = field(default_factory=lambda: {"action": "flag", "factor": 2.5})
    duplicate_audio: dict = field(default_factory=lambda: {"action": "drop"})
    duplicate_text: dict = field(default_factory=lambda: {"action": "flag"})
    lost_letters: dict = field(default_factory=lambda: {"action": "flag"})
    markup: dict = field(default_factory=lambda: {"action": "drop"})
    no_speech: dict = field(default_factory=lambda: {"action": "drop", "min_fraction": 0.1})
    edge_silence: dict = field(
        default_factory=lambda: {"action": "trim", "max_seconds": 0.5, "keep_seconds": 0.2}
    )
    speaker_outlier: dict = field(
        default_factory=lambda: {"action": "flag", "deviations": 3.5, "min_similarity": 0.7, "min_clips": 5}
    )

    @classmethod
    def from_config(cls, config: dict) -> QualityChecks:
        defaults = cls()
        merged = {
            key: ({**getattr(defaults, key), **value} if isinstance(value, dict) else value)
            for key, value in config.items()
        }
        return cls(**merged)


@dataclass(slots=True)  # a million rows
class Row:
    """One input's line of quality.tsv."""

    record: ClipRecord
    outcome: str = "kept"  # kept | flagged | dropped | rejected | ignored
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (reason, detail)
    silence: str = ""  # digital (every sample zero) | near (peak below quality.silence) | ""
    similarity: float | None = None  # its voice's with its speaker's centroid (speaker_outlier)

    @property  # (functools.cached_property's lock costs more than the division)
    def chars_per_second(self) -> float | None:
        r = self.record
        if not r.text or not r.duration:
            return None
        return len(r.text.replace(" ", "")) / r.duration


@dataclass
class Dataset:
    rows: list[Row]

    @property
    def accepted(self) -> list[tuple[str, str]]:  # (name, text)
        return [(r.record.name, r.record.text) for r in self.rows if r.outcome in KEPT]

    @property
    def rejected(self) -> list[tuple[str, str, str]]:  # (file, reason, detail)
        out = []
        for r in self.rows:
            if r.outcome not in KEPT:
                reason, detail = r.reasons[0]
                text_problem = reason in TEXT_CHECKS and r.record.transcript
                out.append((r.record.transcript if text_problem else r.record.file, reason, detail))
        return sorted(out)

    @property
    def characters(self) -> list[str]:
        return sorted(set("".join(text for _, text in self.accepted)))

    def counts(self) -> Counter:
        return Counter(r.outcome for r in self.rows)


def rejection(record: ClipRecord, filters: Filters) -> tuple[str, str] | None:
    """The first reason a record stays out of metadata.csv before any quality check, or None."""
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


def _mark(row: Row, check: str, settings: dict, detail: str) -> None:
    row.reasons.append((check, detail))
    if settings["action"] == "drop":
        row.outcome = "dropped"
    elif row.outcome == "kept":
        row.outcome = "flagged"


def _signal_checks(row: Row, checks: QualityChecks) -> None:
    if row.record.markup:
        _mark(row, "markup", checks.markup,
              f"not speech in the transcript: {', '.join(row.record.markup)}")  # fmt: skip
    if row.record.lost:
        _mark(row, "lost_letters", checks.lost_letters,
              f"not in the canonical text (dropped or read out by the verbaliser): "
              f"{' '.join(row.record.lost)}")  # fmt: skip
    q = row.record.quality
    if q is None:
        return
    if q.peak_dbfs < checks.silence["peak_dbfs"]:
        row.silence = "digital" if q.peak_dbfs == -math.inf else "near"
        what = "digital silence" if q.peak_dbfs == -math.inf else f"peak {q.peak_dbfs:.1f} dBFS"
        _mark(row, "silence", checks.silence, f"{what} < {checks.silence['peak_dbfs']:g} dBFS")
    if q.clipped_fraction >= checks.clipping["fraction"]:
        _mark(row, "clipping", checks.clipping,
              f"{q.clipped_fraction:.2%} of samples at full scale")  # fmt: skip
    if q.dc_offset >= checks.dc_offset["offset"]:
        _mark(row, "dc_offset", checks.dc_offset, f"mean {q.dc_offset:.3f} of full scale")
    _speech_checks(row, checks)


def _speech_checks(row: Row, checks: QualityChecks) -> None:
    s = row.record.speech
    if s is None:
        return
    if s.fraction < checks.no_speech["min_fraction"]:
        what = "no speech" if s.seconds == 0 else f"{s.seconds:.1f} s of speech, {s.fraction:.0%} of the clip"
        _mark(row, "no_speech", checks.no_speech,
              f"{what} (< {checks.no_speech['min_fraction']:.0%}): noise, music or silence?")  # fmt: skip
        return  # its edges are all silence: said once
    edges = checks.edge_silence
    if edges["action"] != "trim" and max(s.leading, s.trailing) > edges["max_seconds"]:
        _mark(row, "edge_silence", edges,
              f"{s.leading:.1f} s of silence before the speech, {s.trailing:.1f} s after "
              f"(> {edges['max_seconds']:g} s)")  # fmt: skip


def _dataset_checks(rows: list[Row], checks: QualityChecks) -> list[str]:
    """Checks against the other clips: speaking rate vs the median, duplicates. Returns notes."""
    notes = []
    rates = [r.chars_per_second for r in rows]
    if len(rows) >= MIN_CLIPS_FOR_RATE:
        median = statistics.median(rates)
        factor = checks.speaking_rate["factor"]
        for row, rate in zip(rows, rates):
            if rate > median * factor or rate < median / factor:
                _mark(row, "speaking_rate", checks.speaking_rate,
                      f"{rate:.1f} characters/s, dataset median {median:.1f}: does the "
                      "transcript match the audio?")  # fmt: skip
    else:
        notes.append(f"speaking-rate check skipped: fewer than {MIN_CLIPS_FOR_RATE} clips")
    first_audio: dict[str, str] = {}
    first_text: dict[str, str] = {}
    for row in rows:  # rows are in name order: the first name keeps its audio
        r = row.record
        if r.quality is not None:
            if r.quality.audio_hash in first_audio:
                _mark(row, "duplicate_audio", checks.duplicate_audio,
                      f"same audio as {first_audio[r.quality.audio_hash]}")  # fmt: skip
            else:
                first_audio[r.quality.audio_hash] = r.audio
        if r.text in first_text:
            _mark(row, "duplicate_text", checks.duplicate_text,
                  f"same transcript as {first_text[r.text]}")  # fmt: skip
        else:
            first_text[r.text] = r.transcript
    notes += _speaker_checks(rows, checks.speaker_outlier)
    return notes


def _speaker_checks(rows: list[Row], settings: dict) -> list[str]:
    """Each clip's voice against its speaker's other clips (speakers.similarities)."""
    voiced = [row for row in rows if row.record.voice is not None]
    if not voiced or settings["action"] == "off":
        return []
    import numpy as np  # here: summary.py imports this module at every Snakemake start

    from . import speakers

    voices = np.stack([speakers.decode(row.record.voice) for row in voiced])
    found, groups = speakers.similarities(voices, [row.record.speaker for row in voiced], settings["min_clips"])
    least, deviations = settings["min_similarity"], settings["deviations"]
    for row, similarity in zip(voiced, found.tolist()):
        if math.isnan(similarity):
            continue
        row.similarity = similarity
        group = groups[row.record.speaker]
        below = (group.typical - similarity) / group.spread
        if similarity < least or below > deviations:
            who = f"speaker {row.record.speaker}'s" if row.record.speaker else "the dataset's"
            limit = f"{below:.1f} spreads below (limit {deviations:g})" if below > deviations else f"< {least:g}"
            _mark(row, "speaker_outlier", settings,
                  f"voice {similarity:.2f} similar to {who} other clips, typical {group.typical:.2f}: "
                  f"{limit}. Another person, microphone or room?")  # fmt: skip
    few = sorted(s or "(none)" for s, g in groups.items() if g.clips < settings["min_clips"])
    if few:
        shown = ", ".join(few[:5]) + (f" and {len(few) - 5} more" if len(few) > 5 else "")
        return [f"speaker check skipped for {len(few)} speakers with fewer than "
                f"{settings['min_clips']} clips: {shown}"]  # fmt: skip
    return []


def build(
    records: Iterable[ClipRecord], filters: Filters, checks: QualityChecks = QualityChecks()
) -> tuple[Dataset, list[str]]:
    # by (name, file): "\0" sorts below every character a name holds; one string per key sorts
    # a million rows several times faster than tuples
    rows = sorted((Row(record) for record in records), key=lambda r: f"{r.record.name}\0{r.record.file}")
    candidates = []
    for row in rows:
        reason = rejection(row.record, filters)
        if reason is not None:
            row.outcome = "ignored" if reason[0] in NOT_CANDIDATES else "rejected"
            row.reasons.append(reason)
            continue
        _signal_checks(row, checks)
        if row.outcome != "dropped":
            candidates.append(row)
    notes = _dataset_checks(candidates, checks)
    return Dataset(rows), notes


def check_kept(dataset: Dataset, max_rejected_fraction: float) -> None:
    """Stop when nothing is kept or too much is rejected: never a silent, empty success."""
    counts = dataset.counts()
    candidates = sum(counts.values()) - counts["ignored"]
    lost = sum(counts[o] for o in NOT_KEPT)
    kept = sum(counts[o] for o in KEPT)
    if kept == 0 or (candidates and lost / candidates > max_rejected_fraction):
        why = (
            "no recording was kept"
            if kept == 0
            else f"{lost} of {candidates} inputs ({lost / candidates:.0%}) were not kept, more "
            f"than quality.max_rejected_fraction ({max_rejected_fraction:g})"
        )
        raise F5flowError(f"{why}:\n{summarise(dataset)}")


def summarise(dataset: Dataset) -> str:
    counts: Counter = Counter()
    reasons: dict[str, Counter] = {o: Counter() for o in ("rejected", "dropped", "flagged", "ignored")}
    seconds, digits, trimmed, cut, machine = 0.0, 0, 0, 0.0, 0
    for r in dataset.rows:  # one pass: a million rows
        outcome = r.outcome
        counts[outcome] += 1
        if outcome in KEPT:
            seconds += r.record.duration
            digits += r.record.digits
            machine += r.record.confidence is not None
            s = r.record.speech
            if s is not None and (s.trimmed_start or s.trimmed_end):
                trimmed += 1
                cut += s.trimmed_start + s.trimmed_end
        if outcome in reasons:
            for reason, _ in r.reasons[:1] if outcome == "rejected" else r.reasons:
                reasons[outcome][reason] += 1
    lines = [
        f"kept {sum(counts[o] for o in KEPT)} clips ({seconds / 3600:.2f} h; {counts['flagged']} "
        f"flagged), not kept {sum(counts[o] for o in NOT_KEPT)}, ignored {counts['ignored']}"
    ]
    for outcome, found in reasons.items():
        lines += [f"  {outcome} {reason}: {n}" for reason, n in sorted(found.items())]
    if machine:
        lines.append(f"  {machine} kept transcripts are machine-made (segmentation.untranscribed; "
                     "quality.tsv transcript_confidence)")  # fmt: skip
    if trimmed:
        lines.append(f"  trimmed edge_silence: {trimmed} kept clips, {cut:.1f} s of silence cut")
    if digits:
        lines.append(
            f"  {digits} kept transcripts hold digits (text.verbalise is off: they are read as "
            "characters)"
        )
    return "\n".join(lines)


def _check_field(value: str, what: str) -> str:
    # metadata.csv must read the same with csv.reader(delimiter="|") and line.split("|")
    if "|" in value or "\n" in value or "\r" in value or value.startswith('"'):
        raise ValueError(f"{what} {value!r} cannot be written to metadata.csv unambiguously")
    return value


def write_metadata(path: str, dataset: Dataset) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("|".join(METADATA_HEADER) + "\n")
        for name, text in dataset.accepted:
            f.write(f"{_check_field(metadata_path(name), 'clip')}|{_check_field(text, 'text')}\n")


# A row joined by tabs is what csv's writer writes for it unless a field holds a tab, a quote or
# a line break, and costs a fraction of the writer's time (quality.tsv: a million rows); such
# rows go through the writer (tested against it).
_QUOTED = re.compile('["\r\n]')
_TSV_BATCH_ROWS = 10_000


def write_tsv(path: str, header: tuple, rows: Iterable[tuple[str, ...]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        tabs = len(header) - 1
        lines: list[str] = []
        for row in rows:
            line = "\t".join(row)
            plain = line.count("\t") == tabs and _QUOTED.search(line) is None
            if plain:
                lines.append(line + "\n")
            if lines and (not plain or len(lines) == _TSV_BATCH_ROWS):
                f.write("".join(lines))
                lines.clear()
            if not plain:
                writer.writerow(row)
        f.write("".join(lines))


def read_tsv(path: str) -> list[dict]:
    """rejected.tsv or quality.tsv as rows keyed by the header."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def reason_codes(reason: str) -> list[str]:
    """quality.tsv's `check: detail; check: detail` (as write_quality joins them) as the check names."""
    return [part.split(":", 1)[0].strip() for part in reason.split("; ") if part.strip()]


def hours_kept(quality_rows: list[dict]) -> float:
    return sum(float(row["duration"]) for row in quality_rows if row["outcome"] in KEPT) / 3600


def write_rejected(path: str, dataset: Dataset) -> None:
    write_tsv(path, REJECTED_HEADER, dataset.rejected)


def _quality_line(row: Row) -> tuple[str, ...]:
    r, s, q = row.record, row.record.source, row.record.quality
    if s is None:
        source = ("", "", "")
    else:
        source = (str(s.sample_rate), str(s.channels), s.format)
    if q is None:
        measured = ("", "", "", row.silence, "")
    else:  # + 0.0: no "-0.0"
        measured = (f"{q.peak_dbfs + 0.0:.1f}", f"{q.rms_dbfs + 0.0:.1f}",
                    f"{q.clipped_fraction + 0.0:.6f}", row.silence, f"{q.dc_offset + 0.0:.4f}")  # fmt: skip
    rate = row.chars_per_second
    return (
        r.audio or r.file, r.name if row.outcome in KEPT else "", r.speaker,
        "" if r.duration is None else f"{r.duration + 0.0:.3f}", *source, *measured,
        "" if r.words is None else str(r.words), "" if rate is None else f"{rate + 0.0:.2f}",
        "1" if r.digits else "0", " | ".join(r.markup), *_speech_columns(r.speech),
        "" if row.similarity is None else f"{row.similarity:.3f}",
        "" if r.confidence is None else f"{r.confidence:.3f}", row.outcome,  # (empty: the text was given)
        "; ".join([f"{k}: {d}" for k, d in row.reasons]) if row.reasons else "",
    )  # fmt: skip


def _speech_columns(s) -> tuple[str, str, str, str]:
    if s is None:
        return ("", "", "", "")
    trimmed = f"{s.trimmed_start:.2f}+{s.trimmed_end:.2f}" if s.trimmed_start or s.trimmed_end else ""
    return (f"{s.fraction:.2f}", f"{s.leading:.2f}", f"{s.trailing:.2f}", trimmed)


def trimmed_edges(field: str) -> tuple[float, float]:
    """quality.tsv's `trimmed` ("START+END" seconds cut, as _speech_columns writes it; "" none)."""
    if not field:
        return 0.0, 0.0
    start, end = field.split("+")
    return float(start), float(end)


def write_quality(path: str, dataset: Dataset) -> None:
    write_tsv(path, QUALITY_HEADER, map(_quality_line, dataset.rows))


def write_characters(path: str, characters: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(ch + "\n" for ch in characters))


def read_metadata(path: str) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = [line.rstrip("\n").split("|") for line in f]
    if not rows or tuple(rows[0]) != METADATA_HEADER:
        raise ValueError(f"{path}: header must be {'|'.join(METADATA_HEADER)}")
    return [(row[0], row[1]) for row in rows[1:]]


# What a synthesis reference should be (F5-TTS's own advice: under 12 s; under 3 s the voice is
# poorly caught), and the length aimed at within it
REFERENCE_SECONDS = (3.0, 12.0)
REFERENCE_AIM = 6.0


class Reference(NamedTuple):
    audio: str  # metadata.csv's wavs/NAME.wav, below the dataset folder
    text: str  # its canonical transcript
    seconds: float
    note: str  # "" for a clip of REFERENCE_SECONDS, else why this one


def reference_clip(metadata: str, quality: str) -> Reference:
    """The default reference for synthesis: a kept clip no check flagged, of 3-12 s, the one
    nearest 6 s (then by name); failing that, the longer clip nearest the range (a long
    reference loses little, a short one the voice), said so."""
    texts = dict(read_metadata(metadata))
    candidates = []
    for row in read_tsv(quality):
        if row["outcome"] in KEPT and row["clip"] and metadata_path(row["clip"]) in texts:
            seconds = float(row["duration"])
            lo, hi = REFERENCE_SECONDS
            off_range = max(lo - seconds, seconds - hi, 0.0)
            candidates.append((off_range > 0, seconds < lo, off_range, row["outcome"] != "kept",
                               abs(seconds - REFERENCE_AIM), row["clip"], seconds))  # fmt: skip
    if not candidates:
        raise F5flowError(f"{metadata}: no kept clip to use as the synthesis reference")
    off, *_, clip, seconds = min(candidates)
    note = "" if not off else (
        f"no kept clip of {REFERENCE_SECONDS[0]:g}-{REFERENCE_SECONDS[1]:g} s: the reference is "
        f"{clip} ({seconds:.1f} s); give one with synthesize.ref_audio / --ref-audio"
    )
    return Reference(metadata_path(clip), texts[metadata_path(clip)], seconds, note)


def publish_wavs(unit_dirs: Iterable[str], names: set[str], out_dir: str) -> int:
    """Hard-link the kept clips into one flat folder (copy where links cannot cross disks)."""
    os.makedirs(out_dir, exist_ok=True)
    wanted = {name + WAV_SUFFIX for name in names}
    count = 0
    for unit_dir in unit_dirs:
        with os.scandir(unit_dir) as it:
            for dirent in it:
                if dirent.name not in wanted:
                    continue
                target = os.path.join(out_dir, dirent.name)
                try:
                    os.link(dirent.path, target)
                except OSError:
                    shutil.copy2(dirent.path, target)
                count += 1
    if count != len(wanted):
        raise F5flowError(f"{len(wanted) - count} kept clips have no resampled wav: re-run stage 0")
    return count
