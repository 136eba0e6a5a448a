"""The resampler against the sox command users expect, on every format the workflow accepts."""

import shutil
import subprocess

import numpy as np
import pytest
import soundfile

from f5flow import audio
from devtools.reference import sox_command

import input_fixtures

pytestmark = pytest.mark.skipif(shutil.which("sox") is None, reason="needs sox")

# (format, sample rate, channels): what sox reads itself here, and what only ffmpeg/libsndfile
# decode (mp3, opus, m4a: compared with sox on the decoded samples)
CASES = [("wav", 44100, 2), ("wav", 22050, 1), ("wav", 8000, 1), ("wav", 48000, 2),
         ("flac", 16000, 1), ("ogg", 32000, 2), ("mp3", 22050, 1), ("opus", 48000, 1),
         ("m4a", 44100, 2), ("wav", 24000, 1)]  # fmt: skip
SOX_READS = {"wav", "flac", "ogg"}


def ours(path):
    decoded = audio.load(str(path))
    return audio.to_pcm16(decoded.samples, decoded.sample_rate), decoded


def sox(src, dst):
    subprocess.run(sox_command(str(src), str(dst)), check=True)
    data, rate = soundfile.read(str(dst), dtype="int16")
    info = soundfile.info(str(dst))
    assert (rate, info.channels, info.subtype) == (24000, 1, "PCM_16")
    return data


@pytest.mark.parametrize(("fmt", "rate", "channels"), CASES)
def test_same_as_sox(tmp_path, fmt, rate, channels):
    writer = input_fixtures.Writer(str(tmp_path))
    src = writer.audio(f"in.{fmt}", 2.3, rate=rate, fmt=fmt, channels=channels, amplitude=0.6)
    pcm, decoded = ours(src)
    reference_input = src
    if fmt not in SOX_READS:
        reference_input = tmp_path / "decoded.wav"
        soundfile.write(str(reference_input), decoded.samples, decoded.sample_rate, subtype="FLOAT")
    reference = sox(reference_input, tmp_path / "sox.wav")
    assert len(pcm) == len(reference)
    diff = np.sqrt(np.mean((pcm.astype(float) - reference) ** 2))
    level = np.sqrt(np.mean(reference.astype(float) ** 2))
    assert diff / level < 1e-3, f"relative RMS difference {diff / level:.2e}"
    assert np.max(np.abs(pcm.astype(int))) < 32767  # no clipping of a 0.6-peak input


def test_a_full_scale_input_is_scaled_not_clipped(tmp_path):
    rate = 44100
    t = np.arange(rate) / rate
    square = np.sign(np.sin(2 * np.pi * 440 * t))  # resampling rings above full scale
    pcm = audio.to_pcm16(square[:, None].astype(np.float32), rate)
    assert np.max(np.abs(pcm.astype(int))) <= 32767
    assert np.mean(np.abs(pcm.astype(int)) >= 32767) < 0.01


def test_wav_header_promise(tmp_path):
    path = tmp_path / "a.wav"
    soundfile.write(str(path), np.zeros(1000), 8000, subtype="PCM_24")
    assert audio.wav_declared_frames(str(path)) == 1000
    (tmp_path / "b.flac").write_bytes(b"fLaC")
    assert audio.wav_declared_frames(str(tmp_path / "b.flac")) is None
