"""Voice activity (silero-vad's bundled model, for real) on clips made here."""

import shutil

import numpy as np
import pytest

from f5flow import voice_activity
from f5flow.records import Speech
from f5flow.voice_activity import EdgeSilence

RATE = 24000


@pytest.fixture(scope="module")
def sentence():
    """A sentence of espeak-ng speech at 24 kHz, peak 0.5, its own silent edges cut off."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    from devtools import espeak

    [(_, audio)] = espeak.speech_pool(["Hôm nay trời đẹp quá chúng ta đi dạo nhé"], rate=RATE)
    loud = np.flatnonzero(np.abs(audio) > 0.02)
    audio = audio[loud[0]: loud[-1] + 1]
    return 0.5 * audio / np.abs(audio).max()


def pcm16(wave):
    return np.round(np.clip(wave, -1, 1) * 32767).astype(np.int16)


def test_the_same_stretches_as_silero_vads_own_code(sentence):
    """The model run through onnxruntime without the silero_vad package (which imports torch):
    its probabilities and stretches are the package's own."""
    import soxr
    from silero_vad import get_speech_timestamps_sequence, load_silero_vad

    rng = np.random.default_rng(2)
    pad = np.zeros(2 * RATE)
    # speech, a 0.6 s pause, the speech reversed (speech-like, other stretches), room noise
    padded = np.concatenate([pad, sentence, np.zeros(int(0.6 * RATE)), sentence[::-1], pad])
    padded += 0.001 * rng.standard_normal(len(padded))
    reference = load_silero_vad(sequence=True)
    detector = voice_activity.Detector()
    for wave in (padded, sentence, 0.3 * rng.standard_normal(RATE)):
        audio = soxr.resample(wave.astype(np.float32), RATE, 16000, quality="LQ").astype(np.float32)
        ours = detector.probabilities(audio)
        assert np.allclose(ours, reference.audio_forward(audio), atol=1e-5)
        theirs = get_speech_timestamps_sequence(audio, reference)
        assert voice_activity.stretches(ours, len(audio)) == [(s["start"], s["end"]) for s in theirs]


def test_speech_padded_with_silence_is_found_where_it_is(sentence):
    rng = np.random.default_rng(0)
    pad = np.zeros(3 * RATE)
    wave = np.concatenate([pad, sentence, pad]) + 0.001 * rng.standard_normal(len(sentence) + 6 * RATE)
    segments = voice_activity.Detector().segments(wave, RATE)
    length = len(sentence) / RATE
    assert abs(segments[0][0] - 3.0) < 0.15 and abs(segments[-1][1] - (3.0 + length)) < 0.15, segments
    found = voice_activity.speech(segments, len(wave) / RATE)
    assert found.fraction > 0.8 * length / (length + 6)


def test_the_trim_keeps_the_speech_and_a_little_silence(sentence):
    pad = np.zeros(3 * RATE)
    pcm = pcm16(np.concatenate([pad, sentence, pad]))
    kept, found = voice_activity.Listener().listen(pcm, RATE)
    assert abs(found.trimmed_start - 2.8) < 0.15 and abs(found.trimmed_end - 2.8) < 0.15, found
    assert abs(len(kept) / RATE - (len(sentence) / RATE + 0.4)) < 0.3
    # a second look at the trimmed clip finds nothing more to cut
    _, again = voice_activity.Listener().listen(kept, RATE)
    assert (again.trimmed_start, again.trimmed_end) == (0.0, 0.0) and again.leading <= 0.5


@pytest.mark.parametrize("kind", ["pink", "white", "hum"])
def test_noise_holds_no_speech(kind):
    rng = np.random.default_rng(1)
    n = 3 * RATE
    if kind == "pink":
        spectrum = np.fft.rfft(rng.standard_normal(n)) / np.sqrt(np.maximum(np.arange(n // 2 + 1), 1))
        wave = np.fft.irfft(spectrum, n)
    elif kind == "white":
        wave = rng.standard_normal(n)
    else:
        wave = np.sin(2 * np.pi * 100 * np.arange(n) / RATE)
    wave = 0.3 * wave / np.abs(wave).max()
    kept, found = voice_activity.Listener().listen(pcm16(wave), RATE)
    assert found.seconds == 0 and found.fraction == 0 and len(kept) == n  # nothing to trim around


def test_edges_are_cut_only_past_the_limit_and_only_where_there_is_speech():
    trim = EdgeSilence(max_seconds=0.5, keep_seconds=0.2)
    assert voice_activity.trim(Speech(2.0, 0.5, 1.0, 0.4), trim) == (0.8, 0.0)
    assert voice_activity.trim(Speech(2.0, 0.5, 0.5, 0.5), trim) == (0.0, 0.0)  # at the limit: kept
    assert voice_activity.trim(Speech(0.0, 0.0, 4.0, 4.0), trim) == (0.0, 0.0)  # no speech: not cut
    assert voice_activity.trim(Speech(2.0, 0.5, 1.0, 1.0), EdgeSilence(action="flag")) == (0.0, 0.0)
    # keep above the limit never cuts into the speech
    assert voice_activity.trim(Speech(2.0, 0.5, 0.6, 0.0), EdgeSilence(max_seconds=0.5, keep_seconds=0.8)) == (0.0, 0.0)


def test_speech_facts_of_segments():
    assert voice_activity.speech([(0.5, 1.5), (2.0, 3.0)], 4.0) == Speech(2.0, 0.5, 0.5, 1.0)
    assert voice_activity.speech([], 3.0) == Speech(0.0, 0.0, 3.0, 3.0)
