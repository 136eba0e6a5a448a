"""Whose voice a clip is: resemblyzer's speaker encoder, bundled in its PyPI package (offline).

Stage 0 embeds every clip with speech (a 256-number voice print, unit length); stage 1 compares
each kept clip with the centroid of its speaker's other clips (or of the whole dataset where the
layout names no speaker) and flags a clip whose cosine similarity is far below that speaker's
typical one (`quality.speaker_outlier.deviations`) or below `min_similarity`: another person's
recording, a different microphone or room.

Why relative: measured here, clips of one espeak-ng voice sit at 0.88-0.95 of their centroid and
clips of another (vi+f4) at 0.63-0.79, so no single cosine separates them in every mixture; real
recordings of one person spread wider (sessions, rooms), and a relative limit widens with them.
Suite `speakers` of `make bench`: in 300 random mixtures of 8-30 clips of one voice with 1-3 of
the other, 3.5 spreads flagged 99.8 % of the other voice's clips and none of the first's (MFCC
statistics, the model-free baseline: 85.9 % and 0.12 %). resemblyzer (GE2E, trained on VoxCeleb
and LibriSpeech) is the speaker encoder that ships its weights inside its wheel: no hub, no
download. It imports torch; each stage 0 job pays that import (about 2 s) once, then 7 ms per
second of audio on one core: 2.8x the unit's work with voice activity alone
(`quality.speaker_outlier.action: off` spares it).
"""

from __future__ import annotations

import base64
import math
import threading
import warnings
from typing import NamedTuple

import numpy as np

ENCODER_RATE = 16000  # resemblyzer's sample rate
DIMENSIONS = 256
# a clip's voice print as stored in its record: float16 (cosines to 1e-3), base64
_DTYPE = np.dtype("<f2")


class Encoder:
    """The encoder, loaded on first use and shared by a unit's threads (one at a time: a torch
    module's forward is not made for concurrent calls on one core's worth of threads)."""

    def __init__(self):
        self._model = None
        self._lock = threading.Lock()

    def _loaded(self):
        if self._model is None:
            import torch

            torch.set_num_threads(1)  # units run side by side, one core each
            self._model = _resemblyzer().VoiceEncoder("cpu", verbose=False)
        return self._model

    def embed(self, samples: np.ndarray, rate: int) -> np.ndarray:
        """The unit-length voice print of mono float samples at `rate`."""
        import soxr

        resemblyzer = _resemblyzer()
        audio = np.array(samples, dtype=np.float32)
        audio -= audio.mean()  # a DC offset is not heard, and is no part of a voice
        if rate != ENCODER_RATE:
            audio = soxr.resample(audio, rate, ENCODER_RATE).astype(np.float32, copy=False)
        # resemblyzer's own preparation (volume to -30 dBFS, pauses shortened) where it leaves
        # enough audio; a clip it would empty is embedded as it is
        prepared = resemblyzer.normalize_volume(audio, -30, increase_only=True)
        shortened = resemblyzer.trim_long_silences(prepared)
        if len(shortened) >= ENCODER_RATE // 2:
            prepared = shortened
        with self._lock:
            return self._loaded().embed_utterance(prepared).astype(np.float32)


def _resemblyzer():
    with warnings.catch_warnings():
        # its dependency webrtcvad imports pkg_resources, which warns of its own removal
        warnings.simplefilter("ignore")
        import resemblyzer
    return resemblyzer


def encode(voice: np.ndarray) -> str:
    """A voice print as its record stores it."""
    return base64.b64encode(np.asarray(voice, dtype=_DTYPE).tobytes()).decode("ascii")


def decode(stored: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(stored), dtype=_DTYPE).astype(np.float32)


# The spread of a group's similarities is never taken as less than this: a group of near-identical
# clips (one session, one microphone) would otherwise flag a clip for a difference nobody hears
# (at 0.02, 0.07 % of one voice's clips were flagged in the mixtures above; at 0.03 none).
MIN_SPREAD = 0.03


class Group(NamedTuple):
    clips: int
    typical: float  # the median similarity (NaN: not compared)
    spread: float  # the median absolute deviation, as a standard deviation (x 1.4826)


def similarities(voices: np.ndarray, groups: list[str], min_clips: int) -> tuple[np.ndarray, dict[str, Group]]:
    """Each voice's cosine similarity with the centroid of the other voices of its group (NaN
    where the group has fewer than `min_clips`: no centroid worth the name), and each group's
    size, median similarity and spread. Leave-one-out: a clip is not compared with a centroid it
    pulled towards itself."""
    out = np.full(len(voices), np.nan)
    sizes: dict[str, Group] = {}
    by_group: dict[str, list[int]] = {}
    for i, group in enumerate(groups):
        by_group.setdefault(group, []).append(i)
    for group, members in by_group.items():
        if len(members) < min_clips:
            sizes[group] = Group(len(members), math.nan, math.nan)
            continue
        v = voices[members].astype(np.float32)  # a million clips: 1 GB, not 2
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        others = v.sum(axis=0) - v  # each row: the sum of the group's other voices
        others /= np.linalg.norm(others, axis=1, keepdims=True)
        found = np.einsum("ij,ij->i", v, others)
        out[members] = found
        typical = float(np.median(found))
        spread = max(1.4826 * float(np.median(np.abs(found - typical))), MIN_SPREAD)
        sizes[group] = Group(len(members), typical, spread)
    return out, sizes
