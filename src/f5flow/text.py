"""Transcript decoding, normalisation and tokenisation: the text path training and inference share.

Vietnamese must be NFC before anything sees it: the pretrained F5-TTS vocab holds the precomposed
Vietnamese letters but lacks 4 of the 5 combining tone marks, so NFD text (common from macOS and
some keyboards) would lose its tones silently. Tokens are single NFC characters: upstream's
`convert_char_to_pinyin` is meant for Chinese and puts spaces inside Vietnamese words
(`trường` -> `trườ ng`), so it is never applied.
"""

from __future__ import annotations

import unicodedata

from .errors import F5flowError


class TranscriptError(F5flowError):
    """A transcript that cannot be used; `reason` is a stable code for rejected.tsv."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM; anything else is an error naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        bad = data[err.start : err.start + 4]
        raise TranscriptError(
            "invalid_utf8", f"not UTF-8 at byte {err.start} ({bad!r}): save the file as UTF-8"
        ) from None


def normalise(text: str, lowercase: bool = True) -> str:
    """NFC, whitespace collapsed to single spaces, optionally lower-cased (as the recipe does)."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if lowercase:
        # Lower-casing can yield decomposed sequences (e.g. U+0130): normalise again.
        text = unicodedata.normalize("NFC", text.lower())
    for pos, ch in enumerate(text):
        if unicodedata.category(ch) == "Cc":
            raise TranscriptError(
                "invalid_text", f"control character U+{ord(ch):04X} at character {pos}"
            )
    if not text:
        raise TranscriptError("empty_text", "transcript is empty after normalisation")
    return text


def count_words(text: str) -> int:
    """Whitespace-separated tokens holding at least one letter or digit (lone punctuation is no word)."""
    return sum(
        1 for token in text.split() if any(unicodedata.category(c)[0] in "LN" for c in token)
    )


def read_transcript(path: str, lowercase: bool = True) -> str:
    with open(path, "rb") as f:
        return normalise(decode(f.read()), lowercase=lowercase)


def tokenise(text: str) -> list[str]:
    """The tokens f5flow trains on (and inference must feed the model): one per character."""
    return list(text)


def tokenisation_contract(lowercase: bool) -> dict:
    """How text becomes tokens, as recorded next to the checkpoints for inference."""
    return {
        "unit": "character",
        "unicode_normalisation": "NFC",
        "whitespace": "collapsed to single spaces",
        "lowercase": lowercase,
        # upstream inference must get the same tokens: text as list(NFC string), not through
        # convert_char_to_pinyin (it splits Vietnamese words)
        "convert_char_to_pinyin": False,
    }
