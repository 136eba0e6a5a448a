"""The bundled demo dataset is what the README says it is."""

import os
import unicodedata

import soundfile

from conftest import DEMO

TONE_MARKS = {"\u0301": "sắc", "\u0300": "huyền", "\u0309": "hỏi", "\u0303": "ngã", "\u0323": "nặng"}


def demo_texts():
    texts = []
    for name in sorted(os.listdir(DEMO)):
        if name.endswith(".txt") and not name.startswith("reject_"):
            raw = (DEMO / name).read_bytes().decode("utf-8-sig")
            texts.append(unicodedata.normalize("NFC", raw).lower())
    return texts


def test_demo_covers_every_tone_mark_and_letter():
    text = " ".join(demo_texts())
    assert len(demo_texts()) >= 20
    for letter in "ăâđêôơư":
        assert letter in text, letter
    decomposed = unicodedata.normalize("NFD", text)
    for mark, tone in TONE_MARKS.items():
        assert mark in decomposed, tone


def test_demo_varies_formats_and_stays_small():
    infos = [soundfile.info(str(DEMO / n)) for n in os.listdir(DEMO) if n.endswith(".wav")]
    assert len({i.samplerate for i in infos}) >= 5
    assert {i.channels for i in infos} == {1, 2}
    assert sum(os.path.getsize(DEMO / n) for n in os.listdir(DEMO)) < 5 * 1024 * 1024
