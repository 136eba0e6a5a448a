import unicodedata

import pytest

from f5flow import text


def test_nfd_becomes_nfc():
    nfd = unicodedata.normalize("NFD", "Tiếng Việt")
    assert nfd != "Tiếng Việt"
    assert text.normalise(nfd, lowercase=False) == "Tiếng Việt"
    assert unicodedata.is_normalized("NFC", text.normalise(nfd))


def test_bom_is_dropped():
    assert text.decode(b"\xef\xbb\xbfxin ch\xc3\xa0o") == "xin chào"


def test_crlf_and_runs_of_whitespace_collapse():
    raw = text.decode("Hôm nay\r\ntrời  đẹp\t quá\u00a0!\r\n".encode())
    assert text.normalise(raw) == "hôm nay trời đẹp quá !"


def test_lowercase_switch():
    assert text.normalise("Đà Nẵng", lowercase=True) == "đà nẵng"
    assert text.normalise("Đà Nẵng", lowercase=False) == "Đà Nẵng"


def test_lowercase_result_is_nfc():
    # 'İ'.lower() is 'i' + U+0307: must come back as one NFC string.
    result = text.normalise("İstanbul")
    assert unicodedata.is_normalized("NFC", result)


def test_invalid_utf8_is_reported_with_position():
    with pytest.raises(text.TranscriptError) as err:
        text.decode(b"xin ch\xe0o")  # Latin-1 a-grave
    assert err.value.reason == "invalid_utf8"
    assert "byte 6" in err.value.detail


def test_control_character_rejected():
    with pytest.raises(text.TranscriptError) as err:
        text.normalise("xin\x00chào các bạn")
    assert err.value.reason == "invalid_text"
    assert "U+0000" in err.value.detail


@pytest.mark.parametrize("raw", ["", "   ", "\ufeff", "\r\n\t"])
def test_empty_rejected(raw):
    with pytest.raises(text.TranscriptError) as err:
        text.normalise(text.decode(raw.encode()))
    assert err.value.reason == "empty_text"


@pytest.mark.parametrize(
    ("sentence", "words"),
    [("xin chào", 2), ("xin chào các bạn", 4), ("một , hai - ba", 3), ("100 năm", 2), ("...", 0)],
)
def test_count_words(sentence, words):
    assert text.count_words(sentence) == words


def test_read_transcript_from_file(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", "Mẹ Ơi\r\n").encode())
    assert text.read_transcript(str(path)) == "mẹ ơi"
