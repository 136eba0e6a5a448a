"""The aligner of long recordings (issue 26's first step): a recording made here in a voice and
at a pace the aligner does not use, with pauses of 0.3-0.9 s between known sentences."""

import numpy as np
import pytest

from f5flow import alignment
import input_fixtures
from input_fixtures import SENTENCES

RATE = 16000


@pytest.fixture(scope="module")
def chapter():
    """20 sentences by espeak-ng's vi+f4 at 135 words a minute (the aligner renders vi at 175),
    0.5 s of room noise first, a 0.3-0.9 s pause after each; and each sentence's true span."""
    texts = (SENTENCES + SENTENCES[:4])[:20]
    audio, truth = input_fixtures.chapter(texts)
    return audio, texts, truth


def within(spans, truth, seconds=0.3) -> int:
    return sum(abs(s - a) <= seconds and abs(e - b) <= seconds for (s, e), (a, b) in zip(spans, truth))


@pytest.mark.parametrize("window", [alignment.WINDOW_SECONDS, 15.0])
def test_sentences_are_found_within_0_3_s(chapter, window, monkeypatch):
    audio, texts, truth = chapter
    monkeypatch.setattr(alignment, "WINDOW_SECONDS", window)  # 15 s: five windows, four seams
    found = alignment.align(audio, RATE, texts)
    print(f"window {window:g} s: {within(found.spans, truth)} of 20 within 0.3 s; spread "
          f"{found.spread:.3f}, paused {found.paused:.2f}")  # fmt: skip
    assert len(found.spans) == 20
    assert within(found.spans, truth) >= 18  # measured: 20 (the issue asks 90 %)
    assert found.mismatch() is None


def test_another_recordings_text_is_a_mismatch(chapter):
    audio, _, _ = chapter
    found = alignment.align(audio, RATE, SENTENCES[4:14] + SENTENCES[:10])
    print(f"another text: spread {found.spread:.3f}, paused {found.paused:.2f}")
    assert found.mismatch() and "another recording's text" in found.mismatch()


def test_a_text_is_split_into_sentences():
    text = "Xin chào. Hôm nay trời đẹp quá!  Đi đâu?\nVề nhà… rồi; ngủ"
    assert alignment.sentences(text) == ["Xin chào.", "Hôm nay trời đẹp quá!", "Đi đâu?", "Về nhà…", "rồi;", "ngủ"]


def test_sentences_are_grouped_into_clips_of_whole_sentences():
    spans = [(0.5, 3.0), (3.4, 7.0), (7.5, 9.0), (9.3, 30.0), (30.4, 30.9), (31.5, 40.0)]
    texts = ["một.", "hai.", "ba.", "bốn.", "năm.", "sáu."]
    clips, left = alignment.group(spans, texts, max_seconds=15.0, min_seconds=1.0)
    assert [(c.start, c.end, c.text, c.sentences) for c in clips] == [
        (0.5, 9.0, "một. hai. ba.", (0, 3)),  # 8.5 s: the next sentence would make it 29.5 s
        (30.4, 40.0, "năm. sáu.", (4, 6)),
    ]
    assert left == [(3, "sentence_too_long", "one sentence of 20.7 s, longer than 15 s (no pause to cut it at)")]
    clips, left = alignment.group([(0.0, 0.6)], ["ừ."], min_seconds=1.0)
    assert clips == [] and left == [(0, "clip_too_short", "0.60 s, shorter than 1 s")]


def test_the_chapter_becomes_clips_whose_texts_and_spans_are_the_truths(chapter):
    audio, texts, truth = chapter
    found = alignment.align(audio, RATE, texts)
    clips, left = alignment.group(found.spans, texts, max_seconds=15.0)
    assert left == [] and [c.sentences for c in clips][0][0] == 0 and clips[-1].sentences[1] == 20
    for clip in clips:  # each clip: whole consecutive sentences, its span theirs within 0.3 s
        first, last = clip.sentences
        assert clip.text == " ".join(texts[first:last])
        assert abs(clip.start - truth[first][0]) <= 0.3 and abs(clip.end - truth[last - 1][1]) <= 0.3
        assert 1.0 <= clip.end - clip.start <= 15.0


def test_a_sentence_not_spoken_and_audio_not_in_the_text_are_outliers(chapter):
    """Within the right text: a sentence the recording lacks gets a sliver of audio; a sentence
    spoken but missing from the text widens its neighbours' spans. Neither is a mismatch."""
    audio, texts, _ = chapter
    unspoken = "con mèo đen nằm ngủ trên mái nhà suốt cả buổi chiều hôm qua."
    found = alignment.align(audio, RATE, texts[:7] + [unspoken] + texts[7:])
    outliers = found.outliers()
    print(f"unspoken: spread {found.spread:.3f}, paused {found.paused:.2f}, outliers {outliers}")
    assert found.mismatch() is None
    assert 7 in outliers and outliers[7][0] == "text_not_in_audio"
    assert set(outliers) <= {6, 7, 8}  # the sliver may squeeze a neighbour, nothing further
    found = alignment.align(audio, RATE, texts[:12] + texts[13:])  # sentence 12 spoken, not in the text
    outliers = found.outliers()
    print(f"unwritten: spread {found.spread:.3f}, paused {found.paused:.2f}, outliers {outliers}")
    assert found.mismatch() is None
    assert {reason for reason, _ in outliers.values()} == {"audio_not_in_text"} and set(outliers) & {11, 12}
    assert alignment.align(audio, RATE, texts).outliers() == {}
