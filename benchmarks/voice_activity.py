"""What voice activity (issue 25) costs in stage 0, and what the candidate models cost.

1. One job unit's work (preprocess.process_unit, one thread, in this process) on 1,000 of the
   2-4 s recordings of the `cached` suite, with voice activity and without it (edges=None; the
   speaker encoder off in both: suite `speakers` measures it),
   alternated three times; page-cached (the set read once before) and from a dropped page cache.
   The ratio is with / without: the share stage 0's per-clip work grows by.
2. The candidates on 200 of those clips resampled to 16 kHz, per second of audio on one core:
   silero-vad's sequence ONNX model (the one used), its streaming ONNX and TorchScript models,
   and webrtcvad where it is installed (not a dependency: `pip install webrtcvad-wheels`).
"""

from __future__ import annotations

import statistics
import tempfile
import time

from common import cold_cache
from preprocess_cached import cached_dataset, read_all

from devtools.discovery import discover
from f5flow import preprocess, voice_activity

N = 1000
ROUNDS = 3


def unit_seconds(entries, root, cold: bool, **options) -> float:
    if cold:
        cold_cache()
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        preprocess.process_unit(entries, str(root), out, threads=1, **options)
        return time.perf_counter() - started


def unit_work(what: str, baseline: str, with_options: dict, without_options: dict):
    """One unit's work on N cached clips with and without an option, alternated ROUNDS times,
    page-cached and from a dropped page cache: a row each."""
    root = cached_dataset()
    entries = [e for e in discover(str(root)).entries if not e.problem][:N]
    unit_seconds(entries[:5], root, False, **with_options)  # what the job imports, imported once
    rows = []
    for cold in (False, True):
        if not cold:
            read_all(root)
        without, with_it = [], []
        for _ in range(ROUNDS):
            without.append(unit_seconds(entries, root, cold, **without_options))
            with_it.append(unit_seconds(entries, root, cold, **with_options))
        ratio = statistics.median(w / o for w, o in zip(with_it, without))
        case = "dropped page cache" if cold else "page-cached"
        rows.append({
            "measure": f"stage 0 unit work with {what}, {len(entries)} clips of 2-4 s, {case}",
            "value": f"{statistics.median(with_it) / len(entries) * 1000:.1f} ms a clip",
            "baseline": f"{baseline}: {statistics.median(without) / len(entries) * 1000:.1f} ms a clip",
            "ratio": ratio, "goal": "said (issue 25)", "ok": None,
        })  # fmt: skip
    return rows, entries, root


def candidates(entries, root) -> list[dict]:
    import numpy as np
    import soundfile
    import soxr
    import torch
    from silero_vad import get_speech_timestamps, load_silero_vad

    torch.set_num_threads(1)
    clips = []
    for entry in entries[:200]:
        data, rate = soundfile.read(str(root / entry.audio), dtype="float32", always_2d=True)
        clips.append(soxr.resample(data.mean(axis=1), rate, 16000).astype(np.float32))
    audio_seconds = sum(len(c) for c in clips) / 16000
    rows = []

    def measure(name, find):
        find(clips[0])  # warm
        started = time.perf_counter()
        for clip in clips:
            find(clip)
        ms = (time.perf_counter() - started) / audio_seconds * 1000
        rows.append({"measure": f"voice activity, {name}: per second of audio (one core)", "value": f"{ms:.2f} ms",
                     "baseline": f"{len(clips)} clips, {audio_seconds:.0f} s", "ratio": None, "goal": "", "ok": None})

    detector = voice_activity.Detector()
    measure("silero-vad sequence ONNX (used)", lambda c: detector.segments(c, 16000))
    for label, onnx in (("silero-vad streaming ONNX", True), ("silero-vad TorchScript", False)):
        model = load_silero_vad(onnx=onnx)
        measure(label, lambda c, m=model: get_speech_timestamps(torch.from_numpy(c), m, sampling_rate=16000))
    try:
        import webrtcvad
    except ImportError:
        print("  (webrtcvad not installed: not measured)")
    else:
        vad = webrtcvad.Vad(2)

        def frames(c):
            pcm = (np.clip(c, -1, 1) * 32767).astype("<i2")
            return [vad.is_speech(pcm[i:i + 480].tobytes(), 16000) for i in range(0, len(pcm) - 479, 480)]

        measure("webrtcvad (mode 2)", frames)
    return rows


def run() -> list[dict]:
    rows, entries, root = unit_work("voice activity", "without", {"voices": False}, {"edges": None, "voices": False})
    return rows + candidates(entries, root)


if __name__ == "__main__":
    from run_all import table

    print(table(run()))
