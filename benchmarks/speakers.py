"""What speaker consistency (issue 25) costs in stage 0, and how well the candidates separate voices.

1. One job unit's work (preprocess.process_unit, one thread, in this process) on 1,000 of the
   2-4 s recordings of the `cached` suite, voice activity on in both, with the speaker encoder
   and without it, alternated three times; page-cached and from a dropped page cache. The ratio
   is with / without.
2. The candidates on clips of two espeak-ng voices (vi, and vi+f4 as "another person"): 30 and 9
   clips of 2-5 s, each its own stretch of speech. In 300 random mixtures of 8-30 clips of the
   first with 1-3 of the second, the share of the second's clips flagged and of the first's
   flagged wrongly by stage 1's rule (speakers.similarities, 3.5 spreads; or 0.7 for the encoder), and the cost
   per second of audio on one core. Candidates: resemblyzer's encoder (used); MFCC statistics
   (20 coefficients' means and deviations, standardised over the clips), the cheap baseline
   that needs no model.
"""

from __future__ import annotations

import time

import numpy as np
from voice_activity import unit_work

from devtools import espeak
from f5flow import speakers

RATE = 24000
MIXTURES = 300
SENTENCES = [
    "xin chào tôi là người việt nam", "hôm nay trời đẹp quá chúng ta đi dạo nhé",
    "tiếng việt có sáu thanh điệu khác nhau", "những người bạn cũ vẫn thường gặp nhau",
    "mẹ tôi nấu ăn rất ngon vào cuối tuần", "buổi sáng ở hà nội thường có sương mù",
    "em gái tôi đang học đại học ở sài gòn", "chúng tôi sẽ đi du lịch vào mùa hè này",
]  # fmt: skip


def clips(voice: str, n: int, seed: int) -> list[np.ndarray]:
    pool = espeak.speech_pool(SENTENCES, rate=RATE, voice=voice)
    joined = np.concatenate([a[np.flatnonzero(np.abs(a) > 0.02)[0]: np.flatnonzero(np.abs(a) > 0.02)[-1]] for _, a in pool])
    joined /= np.abs(joined).max()
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        seconds = (2.0, 3.0, 4.0, 5.0)[i % 4]
        start = int(rng.integers(0, len(joined)))
        clip = 0.3 * np.resize(np.roll(joined, -start), int(seconds * RATE))
        out.append(clip + 0.01 * rng.standard_normal(len(clip)))
    return out


def mfcc_statistics(clip: np.ndarray) -> np.ndarray:
    import librosa

    mfcc = librosa.feature.mfcc(y=clip.astype(np.float32), sr=RATE, n_mfcc=20)
    return np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1)])


def separation(vectors: np.ndarray, first: int, floor: float) -> tuple[float, float]:
    """(share of the other voice's clips flagged, share of the first voice's flagged), by the
    relative limit and an absolute floor."""
    rng = np.random.default_rng(0)
    caught, wrong = [], []
    for _ in range(MIXTURES):
        a = rng.choice(first, int(rng.integers(8, 31)), replace=False)
        b = first + rng.choice(len(vectors) - first, int(rng.integers(1, 4)), replace=False)
        chosen = vectors[np.concatenate([a, b])]
        found, groups = speakers.similarities(chosen, [""] * len(chosen), min_clips=5)
        g = groups[""]
        flagged = ((g.typical - found) / g.spread > 3.5) | (found < floor)
        wrong.append(flagged[: len(a)].mean())
        caught.append(flagged[len(a):].mean())
    return float(np.mean(caught)), float(np.mean(wrong))


def candidates() -> list[dict]:
    import torch

    torch.set_num_threads(1)
    voiced = clips("vi", 30, 1) + clips("vi+f4", 9, 2)
    audio_seconds = sum(len(c) for c in voiced) / RATE
    encoder = speakers.Encoder()
    encoder.embed(voiced[0], RATE)  # loaded
    rows = []
    for name, embed in (("resemblyzer (used)", lambda c: encoder.embed(c, RATE)), ("MFCC statistics", mfcc_statistics)):
        started = time.perf_counter()
        vectors = np.stack([embed(c) for c in voiced])
        ms = (time.perf_counter() - started) / audio_seconds * 1000
        floor = 0.7
        if name.startswith("MFCC"):  # standardised over the clips, or the first coefficient decides;
            vectors = (vectors - vectors.mean(axis=0)) / vectors.std(axis=0)
            floor = -1.0  # and its cosines have no scale an absolute floor could mean
        caught, wrong = separation(vectors, 30, floor)
        rows.append({"measure": f"speaker embedding, {name}: another voice flagged / one voice flagged wrongly",
                     "value": f"{caught:.1%} / {wrong:.2%}", "baseline": f"{ms:.1f} ms per second of audio (one core)",
                     "ratio": None, "goal": "", "ok": None})  # fmt: skip
    return rows


def run() -> list[dict]:
    rows, _, _ = unit_work("the speaker encoder", "voice activity only", {}, {"voices": False})
    return rows + candidates()


if __name__ == "__main__":
    from run_all import table

    print(table(run()))
