"""Speaker consistency: resemblyzer's bundled encoder on clips made here, and the leave-one-out
comparison stage 1 flags speaker_outlier by."""

import numpy as np
import pytest

from f5flow import dataset, speakers
from input_fixtures import Writer

RATE = 24000


@pytest.fixture(scope="module")
def voices(tmp_path_factory):
    """Ten clips of espeak-ng's vi voice and two of vi+f4, each its own stretch of speech."""
    w = Writer(str(tmp_path_factory.mktemp("voices")))
    encoder = speakers.Encoder()
    clips = [w.signal(s, RATE) for s in (2.0, 3.0, 4.0) * 3 + (3.0,)]
    clips += [w.signal(3.0, RATE, voice="vi+f4") for _ in range(2)]
    return np.stack([encoder.embed(clip, RATE) for clip in clips])


def test_a_voice_print_has_unit_length_and_survives_the_record(voices):
    assert voices.shape == (12, speakers.DIMENSIONS)
    assert np.allclose(np.linalg.norm(voices, axis=1), 1.0, atol=1e-4)
    stored = speakers.decode(speakers.encode(voices[0]))
    assert np.allclose(stored, voices[0], atol=1e-3)


def test_another_voice_is_far_from_the_others(voices):
    found, groups = speakers.similarities(voices, [""] * 12, min_clips=5)
    group = groups[""]
    assert group.clips == 12
    below = (group.typical - found) / group.spread
    limit = dataset.QualityChecks().speaker_outlier["deviations"]
    assert below[:10].max() < limit - 1, (found, group)
    assert below[10:].min() > limit + 1, (found, group)
    assert found[:10].min() - found[10:].max() > 0.08


def test_each_clip_is_compared_with_the_others_not_itself():
    # two voices that differ only in sign on one axis: with itself in the centroid each would
    # look closer than it is
    v = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    found, _ = speakers.similarities(v, ["a"] * 3, min_clips=3)
    others_of_last = (v[0] + v[1]) / np.linalg.norm(v[0] + v[1])
    assert found[2] == pytest.approx(float(v[2] @ others_of_last))  # 0: not pulled up by itself
    assert found[0] == pytest.approx(float(v[0] @ ((v[1] + v[2]) / np.linalg.norm(v[1] + v[2]))))


def test_speakers_are_compared_within_themselves_and_small_ones_not_at_all(voices):
    groups = ["anna"] * 10 + ["binh"] * 2  # the vi+f4 clips are binh's: no outliers among anna's
    found, sizes = speakers.similarities(voices, groups, min_clips=5)
    assert {name: group.clips for name, group in sizes.items()} == {"anna": 10, "binh": 2}
    assert ((sizes["anna"].typical - found[:10]) / sizes["anna"].spread).max() < 2.5
    assert np.isnan(found[10:]).all() and np.isnan(sizes["binh"].typical)  # two clips: no centroid
