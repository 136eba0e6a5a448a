"""Where a clip's speech is: silero-vad's model, bundled in its PyPI package (offline, no hub).

Stage 0 asks it for every decoded clip, on the 24 kHz PCM it writes: how much of the clip is
speech (stage 1's `no_speech` check), and the silence before the first and after the last speech
(`edge_silence`: trimmed in stage 0 by default, or flagged or dropped in stage 1).

Chosen over webrtcvad after measuring both on clips made here (espeak-ng speech, the same
padded with 3 s of silence each side, 3 s of pink, brown and white noise and a 100 Hz hum):
silero-vad found the speech to within 0.1 s and no speech in any of the noises; webrtcvad called
pink and brown noise speech in every frame at aggressiveness 0 and 3. webrtcvad is 20x cheaper
(0.1 ms per second of audio), but a check that keeps a transcript over a fan's hiss is no check.
Of silero-vad's models the sequence one (one ONNX call per 16 s of audio) costs 1.8-2.0 ms per
second of audio on one core here, the streaming ONNX model 3x that (batching 16-256 clips did not
help it: 2.4-2.5 ms), TorchScript 6x (suite `voice_activity` of `make bench`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .records import Speech

MODEL_RATE = 16000  # the sequence model's sample rate


@dataclass(frozen=True)
class EdgeSilence:
    """config `quality.edge_silence`: silence beyond max_seconds before the first or after the
    last speech is cut down to keep_seconds (action trim), or the clip flagged or dropped."""

    action: str = "trim"
    max_seconds: float = 0.5
    keep_seconds: float = 0.2


class Detector:
    """silero-vad's sequence model, loaded on first use and shared by a unit's threads
    (onnxruntime runs one session from several threads)."""

    def __init__(self):
        self._model = None
        self._lock = threading.Lock()

    def _loaded(self):
        with self._lock:
            if self._model is None:
                from silero_vad import load_silero_vad

                self._model = load_silero_vad(sequence=True)
        return self._model

    def segments(self, samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
        """(start, end) seconds of each stretch of speech in mono float samples at `rate`."""
        import soxr
        from silero_vad import get_speech_timestamps_sequence

        audio = np.ascontiguousarray(samples, dtype=np.float32)
        if rate != MODEL_RATE:  # what the model hears needs no more than soxr's low quality
            audio = soxr.resample(audio, rate, MODEL_RATE, quality="LQ").astype(np.float32, copy=False)
        found = get_speech_timestamps_sequence(audio, self._loaded(), sampling_rate=MODEL_RATE)
        return [(s["start"] / MODEL_RATE, s["end"] / MODEL_RATE) for s in found]


def speech(segments: list[tuple[float, float]], duration: float) -> Speech:
    """The facts of a clip of `duration` seconds with these speech segments."""
    if not segments or duration <= 0:
        return Speech(0.0, 0.0, round(duration, 3), round(duration, 3))
    seconds = sum(min(end, duration) - start for start, end in segments)
    return Speech(
        seconds=round(seconds, 3),
        fraction=round(min(seconds / duration, 1.0), 3),
        leading=round(segments[0][0], 3),
        trailing=round(max(duration - segments[-1][1], 0.0), 3),
    )


def trim(found: Speech, settings: EdgeSilence) -> tuple[float, float]:
    """Seconds to cut from the start and the end (both 0 unless the action is trim, the clip
    holds speech and an edge is longer than max_seconds)."""
    if settings.action != "trim" or found.seconds == 0:
        return 0.0, 0.0
    cut = lambda edge: max(edge - settings.keep_seconds, 0.0) if edge > settings.max_seconds else 0.0  # noqa: E731
    return round(cut(found.leading), 3), round(cut(found.trailing), 3)


class Listener:
    """Voice activity for stage 0: each clip's Speech, and its PCM with the edges trimmed."""

    def __init__(self, edges: EdgeSilence = EdgeSilence()):
        self.edges = edges
        self.detector = Detector()

    def listen(self, pcm: np.ndarray, rate: int) -> tuple[np.ndarray, Speech]:
        """(the PCM16 samples to write, what was found in them)."""
        found = speech(self.detector.segments(pcm / 32768.0, rate), len(pcm) / rate)
        start, end = trim(found, self.edges)
        if start or end:
            pcm = pcm[int(round(start * rate)): len(pcm) - int(round(end * rate))]
            found.trimmed_start, found.trimmed_end = start, end
        return pcm, found
