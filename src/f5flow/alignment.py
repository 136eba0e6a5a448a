"""Where each sentence of a long recording's text is spoken (issue 26, first step: the aligner).

The approach of aeneas, on what f5flow already installs: the text is rendered sentence by sentence
by espeak-ng (any language it speaks, offline), with a pause between sentences; the rendering and
the recording become MFCC sequences (librosa); dynamic time warping (librosa.sequence.dtw) maps
each rendered frame to the recording; each boundary between two sentences, mapped, is snapped to
the pause voice activity finds nearest it (a sentence ends where speech stops, the next starts
where it resumes). Long recordings are aligned window by window (about WINDOW_SECONDS of rendered
speech each, the last sentence of a window aligned again in the next), so memory stays bounded
(a full DTW matrix of an hour would not fit).

Measured on a 67 s recording made here (espeak-ng vi+f4 at 135 words a minute, 20 sentences,
0.3-0.9 s pauses, low noise) against the rendering's vi at 175: all 20 sentences within 0.3 s of
the truth at both ends. A text that does not belong to the audio shows in `spread` (the robust
spread of each sentence's log recorded-to-rendered duration ratio: 0.02-0.03 for the right text,
0.14 for another) and in `paused` (the share of boundaries in a pause: 0.94-1.0 against 0.74):
`mismatch`. Within a right text, a sentence not spoken gets a sliver of audio, a stretch spoken
but not in the text widens its neighbours' spans: `outliers` (1.5-2.5x off the pace, against
0.95-1.05 for the others).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np

RATE = 16000  # what the features are computed at
HOP = RATE // 50  # 20 ms frames
PAUSE_SECONDS = 0.4  # rendered between sentences: a pause for the recording's pauses to match
WINDOW_SECONDS = 60.0  # rendered speech aligned at once
# a boundary is snapped to a pause whose middle is this close to where DTW put it
SNAP_SECONDS = 1.0
# `mismatch`: beyond these, the text is not the recording's
MAX_SPREAD = 0.08  # robust spread of the log duration ratios across sentences
MIN_PAUSED = 0.8  # share of boundaries that fell in a pause
# `outliers`: a sentence this many times shorter or longer than the recording's pace says
OUTLIER_RATIO = 1.4

_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The text's sentences (split after . ! ? … ; and at line breaks), stripped, none empty."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


@dataclass
class Alignment:
    spans: list[tuple[float, float]]  # each sentence's (start, end) in seconds of the recording
    rendered: list[float]  # each sentence's seconds in espeak-ng's rendering
    spread: float  # robust spread (1.4826 MAD) of log(recorded / rendered duration) over sentences
    paused: float  # share of the boundaries between sentences that fell in a pause

    def mismatch(self) -> str | None:
        """Why the text does not belong to the recording, or None."""
        if len(self.spans) > 2 and self.spread > MAX_SPREAD:
            return (f"the sentences' durations do not follow the text (spread {self.spread:.2f} > "
                    f"{MAX_SPREAD:g}): another recording's text?")  # fmt: skip
        if len(self.spans) > 2 and self.paused < MIN_PAUSED:
            return (f"only {self.paused:.0%} of the sentence boundaries fall in a pause (< "
                    f"{MIN_PAUSED:.0%}): another recording's text?")  # fmt: skip
        return None

    def outliers(self) -> dict[int, tuple[str, str]]:
        """Sentences whose recorded span is OUTLIER_RATIO times shorter or longer than the
        others' pace says: {index: (reason, detail)}. Shorter: the sentence is not in the
        audio (DTW gave it a sliver); longer: its span holds audio the text does not cover."""
        ratios = _log_ratios(self.spans, self.rendered)
        if len(ratios) < 3:
            return {}
        pace = float(np.median(ratios))
        found = {}
        for i, (ratio, (start, end), rendered) in enumerate(zip(ratios, self.spans, self.rendered)):
            expected = rendered * math.exp(pace)
            if ratio < pace - math.log(OUTLIER_RATIO):
                found[i] = ("text_not_in_audio", f"{end - start:.2f} s of audio at {start:.2f} s for a "
                            f"sentence the recording's pace gives {expected:.1f} s: not spoken?")  # fmt: skip
            elif ratio > pace + math.log(OUTLIER_RATIO):
                found[i] = ("audio_not_in_text", f"{start:.2f}-{end:.2f} s ({end - start:.1f} s) for a "
                            f"sentence the recording's pace gives {expected:.1f} s: audio the text "
                            "does not cover")  # fmt: skip
        return found


def _log_ratios(spans, rendered) -> list[float]:
    return [math.log(max(e - s, 1e-3) / max(r, 1e-3)) for (s, e), r in zip(spans, rendered)]


def speak(text: str, voice: str = "vi", speed: int = 175) -> np.ndarray:
    """One sentence spoken by espeak-ng, at RATE, without espeak-ng's silence around it."""
    import soundfile
    import soxr

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sentence.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", path, text],
                       check=True, capture_output=True)  # fmt: skip
        spoken, rate = soundfile.read(path, dtype="float32")
    spoken = soxr.resample(spoken, rate, RATE).astype(np.float32)
    loud = np.flatnonzero(np.abs(spoken) > 0.01)
    return spoken[loud[0]: loud[-1] + 1] if len(loud) else spoken


def join(spoken: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Sentences one after another with PAUSE_SECONDS between them, and each one's (first, end)
    sample."""
    pause = np.zeros(int(PAUSE_SECONDS * RATE), dtype=np.float32)
    parts, bounds, at = [], [], 0
    for one in spoken:
        parts += [one, pause]
        bounds.append((at, at + len(one)))
        at += len(one) + len(pause)
    return np.concatenate(parts) if parts else np.zeros(0, np.float32), bounds


def _features(audio: np.ndarray) -> np.ndarray:
    import librosa

    mfcc = librosa.feature.mfcc(y=audio, sr=RATE, n_mfcc=13, hop_length=HOP, n_fft=512)[1:]  # no c0: loudness
    return (mfcc - mfcc.mean(axis=1, keepdims=True)) / (mfcc.std(axis=1, keepdims=True) + 1e-6)


def _warp(rendered: np.ndarray, recorded: np.ndarray) -> np.ndarray:
    """For each rendered frame, the recorded frame DTW maps it to (the first); both ends pinned."""
    import librosa

    _, path = librosa.sequence.dtw(X=_features(rendered), Y=_features(recorded), metric="euclidean")
    path = path[::-1]
    first = np.full(path[:, 0].max() + 1, -1)
    for i, j in path:
        if first[i] < 0:
            first[i] = j
    return first


def align(samples: np.ndarray, rate: int, texts: list[str], voice: str = "vi") -> Alignment:
    """Each sentence's span in the recording (mono float samples at `rate`), rendered in
    espeak-ng's `voice`; the recording's pauses are those between voice activity's stretches."""
    import soxr

    from .voice_activity import Detector

    audio = np.ascontiguousarray(samples, dtype=np.float32)
    if rate != RATE:
        audio = soxr.resample(audio, rate, RATE).astype(np.float32)
    speech = Detector().segments(audio, RATE)
    pauses = [(speech[i][1], speech[i + 1][0]) for i in range(len(speech) - 1)]
    edges = (speech[0][0], speech[-1][1]) if speech else (0.0, len(audio) / RATE)
    spoken = [speak(text, voice) for text in texts]
    pace = len(audio) / len(join(spoken)[0])  # recorded seconds per rendered second
    mapped: list[tuple[float, float]] = []  # each sentence's DTW span, seconds
    rendered_seconds: list[float] = []
    first, cursor = 0, 0.0  # the next sentence to align, where its window starts in the recording
    while first < len(texts):
        chosen = 1  # sentences up to about WINDOW_SECONDS, at least two where there are two
        while first + chosen < len(texts) and (
            chosen < 2 or sum(map(len, spoken[first: first + chosen])) < WINDOW_SECONDS * RATE
        ):
            chosen += 1
        window, bounds = join(spoken[first: first + chosen])
        last = first + len(bounds)
        done = last >= len(texts)
        # the recording's share: what is left, or as much as the window's share of the whole
        # rendering (the recording's pace), ended in the pause nearest that
        stop = len(audio)
        if not done:
            end = cursor + pace * len(window) / RATE
            near = min(pauses, key=lambda p: abs((p[0] + p[1]) / 2 - end), default=(end, end))
            stop = min(len(audio), int((near[0] + near[1]) / 2 * RATE))
        start = int(cursor * RATE)
        frames = _warp(window, audio[start:stop])

        def seconds(sample: int) -> float:
            return cursor + frames[min(sample // HOP, len(frames) - 1)] * HOP / RATE

        keep = bounds if done or len(bounds) == 1 else bounds[:-1]  # the last again, next window
        for a, b in keep:
            mapped.append((seconds(a), seconds(b)))
            rendered_seconds.append((b - a) / RATE)
        first += len(keep)
        cursor = mapped[-1][1]
    return _snap(mapped, rendered_seconds, pauses, edges)


def _snap(mapped, rendered_seconds, pauses, edges) -> Alignment:
    cuts, paused = [], 0
    for (_, end), (start, _) in zip(mapped, mapped[1:]):
        middle = (end + start) / 2
        near = min(pauses, key=lambda p: abs((p[0] + p[1]) / 2 - middle), default=None)
        if near is not None and abs((near[0] + near[1]) / 2 - middle) <= SNAP_SECONDS:
            cuts.append(near)
            paused += near[0] - 0.1 <= middle <= near[1] + 0.1
        else:
            cuts.append((middle, middle))
    starts = [edges[0]] + [c[1] for c in cuts]
    ends = [c[0] for c in cuts] + [edges[1]]
    spans = [(round(s, 3), round(e, 3)) for s, e in zip(starts, ends)]
    ratios = np.array(_log_ratios(spans, rendered_seconds))
    # robust: a sentence missing from the audio is an outlier to report, not a mismatch
    spread = float(1.4826 * np.median(np.abs(ratios - np.median(ratios)))) if len(ratios) else 0.0
    return Alignment(spans, rendered_seconds, spread, paused / len(cuts) if cuts else 1.0)


@dataclass
class Clip:
    start: float  # seconds of the recording
    end: float
    text: str  # whole consecutive sentences, joined by a space
    sentences: tuple[int, int]  # the first and one past the last sentence's index


def group(spans: list[tuple[float, float]], texts: list[str], max_seconds: float = 15.0,
          min_seconds: float = 1.0) -> tuple[list[Clip], list[tuple[int, str, str]]]:  # fmt: skip
    """Consecutive sentences joined into clips of at most max_seconds (from the first's start to
    the last's end, so the pauses between them stay in the clip), each as long as it can be; a
    sentence alone longer than that, or a clip shorter than min_seconds, is left out with why:
    (sentence index, reason code, detail)."""
    clips: list[Clip] = []
    left: list[tuple[int, str, str]] = []
    i = 0
    while i < len(spans):
        start, end = spans[i]
        if end - start > max_seconds:
            left.append((i, "sentence_too_long", f"one sentence of {end - start:.1f} s, longer than "
                         f"{max_seconds:g} s (no pause to cut it at)"))  # fmt: skip
            i += 1
            continue
        j = i + 1
        while j < len(spans) and spans[j][1] - start <= max_seconds:
            j += 1
        end = spans[j - 1][1]
        if end - start < min_seconds:
            left.extend((k, "clip_too_short", f"{end - start:.2f} s, shorter than {min_seconds:g} s") for k in range(i, j))
        else:
            clips.append(Clip(start, end, " ".join(texts[i:j]), (i, j)))
        i = j
    return clips, left
