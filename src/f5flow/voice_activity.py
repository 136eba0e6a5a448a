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


# silero-vad's sequence model (its wheel's data/): one ONNX call per block of up to 512 frames of
# 512 samples at 16 kHz, each frame with the 64 samples before it, the LSTM state carried over.
# It is run here through onnxruntime, not through the silero_vad package: that package imports
# torch (1.8 s), which every stage 0 job would pay for nothing (onnxruntime: 0.1 s).
MODEL_FILE = ("silero_vad", "data", "silero_vad_16k_sequence.onnx")
FRAME, CONTEXT, BLOCK = 512, 64, 512
# silero-vad's defaults for speech stretches (get_speech_timestamps): a frame at 0.5 starts speech,
# one under 0.35 may end it; stretches under 250 ms are not speech, pauses under 100 ms do not
# end one, and 30 ms are added at each side
THRESHOLD, NEG_THRESHOLD = 0.5, 0.35
MIN_SPEECH, MIN_SILENCE, PAD = (MODEL_RATE * ms // 1000 for ms in (250, 100, 30))


def model_path() -> str:
    """The sequence model inside the installed silero-vad (found without importing it)."""
    import importlib.util
    import os

    spec = importlib.util.find_spec(MODEL_FILE[0])
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("silero-vad is not installed (pip install -e . installs it)")
    return os.path.join(spec.submodule_search_locations[0], *MODEL_FILE[1:])


class Detector:
    """The model, loaded on first use and shared by a unit's threads (onnxruntime runs one
    session from several threads)."""

    def __init__(self):
        self._session = None
        self._lock = threading.Lock()

    def _loaded(self):
        with self._lock:
            if self._session is None:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = options.inter_op_num_threads = 1  # units run side by side
                self._session = onnxruntime.InferenceSession(
                    model_path(), sess_options=options, providers=["CPUExecutionProvider"]
                )
        return self._session

    def probabilities(self, audio: np.ndarray) -> np.ndarray:
        """Each 32 ms frame's speech probability, of float32 samples at 16 kHz."""
        frames = -(-len(audio) // FRAME)
        padded = np.zeros(frames * FRAME + CONTEXT, dtype=np.float32)
        padded[CONTEXT: CONTEXT + len(audio)] = audio  # zeros before the first frame
        h = c = np.zeros((1, 1, 128), dtype=np.float32)
        found = []
        for first in range(0, frames, BLOCK):
            n = min(BLOCK, frames - first)
            # frame k with its context: samples [k*FRAME, (k+1)*FRAME + CONTEXT) of `padded`
            windows = np.lib.stride_tricks.as_strided(
                padded[first * FRAME:], shape=(n, FRAME + CONTEXT), strides=(FRAME * 4, 4)
            )
            feed = {"input": np.ascontiguousarray(windows), "h": h, "c": c}
            probs, h, c = self._loaded().run(["speech_probs", "hn", "cn"], feed)
            found.append(probs)
        return np.concatenate(found) if found else np.zeros(0, dtype=np.float32)

    def segments(self, samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
        """(start, end) seconds of each stretch of speech in mono float samples at `rate`."""
        import soxr

        audio = np.ascontiguousarray(samples, dtype=np.float32)
        if rate != MODEL_RATE:  # what the model hears needs no more than soxr's low quality
            audio = soxr.resample(audio, rate, MODEL_RATE, quality="LQ").astype(np.float32, copy=False)
        return [(a / MODEL_RATE, b / MODEL_RATE) for a, b in stretches(self.probabilities(audio), len(audio))]


def stretches(probs, length: int) -> list[tuple[int, int]]:
    """Speech stretches (start, end samples) from frame probabilities, as silero-vad's
    get_speech_timestamps_from_probs makes them with its defaults (no maximum length)."""
    found, start, pause = [], None, 0
    for i, p in enumerate(probs):
        at = i * FRAME
        if p >= THRESHOLD:
            pause = 0
            if start is None:
                start = at
                continue
        if start is not None and p < NEG_THRESHOLD:
            pause = pause or at
            if at - pause >= MIN_SILENCE:
                if pause - start > MIN_SPEECH:
                    found.append([start, pause])
                start, pause = None, 0
    if start is not None and length - start > MIN_SPEECH:
        found.append([start, length])
    for i, s in enumerate(found):  # the padding, split where two stretches are close
        if i == 0:
            s[0] = max(0, s[0] - PAD)
        if i + 1 < len(found):
            gap = found[i + 1][0] - s[1]
            half = gap // 2 if gap < 2 * PAD else PAD
            s[1] = min(length, s[1] + half)
            found[i + 1][0] = max(0, found[i + 1][0] - half)
        else:
            s[1] = min(length, s[1] + PAD)
    return [(a, b) for a, b in found]


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

    def cut(edge: float) -> float:
        return round(max(edge - settings.keep_seconds, 0.0), 3) if edge > settings.max_seconds else 0.0

    return cut(found.leading), cut(found.trailing)


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
