"""The synthetic dataset generator behind the demo and the benchmarks (real espeak-ng speech)."""

import os
import shutil

import pytest
import soundfile

from devtools import espeak

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def test_make_dataset_mixes_formats_and_rejects(tmp_path):
    pool = espeak.speech_pool(["Xin chào các bạn.", "Tiếng Việt rất hay."])
    counts = espeak.make_dataset(str(tmp_path), 60, pool, seed=1)
    assert sum(counts.values()) == 60 and counts["ok"] > 40
    wavs = sorted(f for f in os.listdir(tmp_path) if f.endswith(".wav"))
    txts = [f for f in os.listdir(tmp_path) if f.endswith(".txt")]
    assert len(wavs) == 60 and len(txts) == 60 - counts.get("missing_transcript", 0)
    infos = [soundfile.info(str(tmp_path / w)) for w in wavs]
    assert len({(i.samplerate, i.channels, i.subtype) for i in infos}) >= 4
    durations = [i.duration for i in infos]
    assert min(durations) >= 0.49 and max(durations) <= 31.01
