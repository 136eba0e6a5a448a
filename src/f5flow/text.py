"""Transcript decoding and canonicalisation: the one text path training and inference share.

`canonical(raw, options)` is what every transcript goes through before training, and what
synthesis must call on its input text (the options are recorded in the model card):

1. Unicode NFC. The pretrained F5-TTS vocab holds the precomposed Vietnamese letters but lacks 4 of
   the 5 combining tone marks, so NFD text (common from macOS) would lose its tones silently.
2. Punctuation mapped to what the pretrained vocab holds and what every metadata.csv reader reads
   the same (`PUNCTUATION`): double quotes of every kind are dropped (unspoken, and a field that
   starts with `"` is read differently by csv.reader and by split('|')); typographic single quotes
   become `'`; hyphen-likes `-`, dash-likes `—`; `|` (the metadata.csv delimiter) a space.
3. Optional verbalisation (`verbalise`): numbers, dates, times, currencies, units and common
   abbreviations read out in words by sea-g2p's Vietnamese normaliser (offline; measured against
   vinorm and vietnormalizer in docs/text.md). Its output is lower case.
4. One tone-mark placement (`tone_marks`): `old` writes hòa/thủy, `new` hoà/thuỷ, `keep` leaves
   the input's. Mixed styles make the same syllable two different token sequences.
5. Whitespace collapsed to single spaces, optionally lower-cased.

Tokens are single NFC characters: upstream's `convert_char_to_pinyin` is meant for Chinese and puts
spaces inside Vietnamese words (`trường` -> `trườ ng`), so it is never applied.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import asdict, dataclass

from .errors import F5flowError

TONE_STYLES = ("old", "new", "keep")

# character -> replacement ("" drops it); see the module docstring
PUNCTUATION = {
    **dict.fromkeys('"“”„‟«»＂〝〞', ""),
    **dict.fromkeys("‘’‚‛′＇", "'"),
    **dict.fromkeys("‐‑‒−﹣－", "-"),
    **dict.fromkeys("–—―", "—"),
    "|": " ",
}
_PUNCTUATION_TABLE = str.maketrans(PUNCTUATION)

# The five Vietnamese tone marks as combining characters (NFD).
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
VOWELS = set("aeiouyăâêôơư")
# Syllables whose tone goes on the first vowel in the old style and on the second in the new one
# when nothing follows: hòa/hoà, hòe/hoè, thủy/thuỷ (quy keeps the tone on y in both).
_STYLED_ENDINGS = ("oa", "oe", "uy")
_WORD = re.compile(r"\w+")
# sea-g2p marks code-switched English with <en>...</en>: markup, not text
_VERBALISER_TAG = re.compile(r"</?[a-z]+>")


class TranscriptError(F5flowError):
    """A transcript that cannot be used; `reason` is a stable code for rejected.tsv."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class TextOptions:
    """config key `text`: how transcripts (and synthesis input) are canonicalised."""

    lowercase: bool = True
    tone_marks: str = "old"
    verbalise: bool = True

    def __post_init__(self):
        if self.tone_marks not in TONE_STYLES:
            raise F5flowError(f"config key text.tone_marks: one of {', '.join(TONE_STYLES)}")
        if self.verbalise and not self.lowercase:
            raise F5flowError(
                "config keys text.verbalise and text.lowercase: the verbaliser writes lower case; "
                "set text.lowercase: true, or text.verbalise: false to keep capitals"
            )

    def to_dict(self) -> dict:
        return asdict(self)


def decode(data: bytes) -> str:
    """UTF-8 (BOM allowed), or UTF-16/32 with a BOM; anything else is an error naming the byte."""
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as err:
                raise TranscriptError(
                    "invalid_encoding", f"{codec.upper()} (BOM) broken at byte {err.start}"
                ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        bad = data[err.start : err.start + 4]
        raise TranscriptError(
            "invalid_encoding", f"not UTF-8 at byte {err.start} ({bad!r}): save the file as UTF-8"
        ) from None


def place_tone(word: str, style: str) -> str:
    """`word` with its tone mark where `style` puts it (only oa/oe/uy endings differ)."""
    if style == "keep":
        return word
    letters = [unicodedata.normalize("NFD", ch) for ch in word]
    tones = [(i, mark) for i, ch in enumerate(letters) for mark in ch if mark in TONE_MARKS]
    if len(tones) != 1 or len(letters) < 2:
        return word
    bases = "".join(ch[0] for ch in letters).lower()
    ending = bases[-2:]
    before = bases[-3] if len(bases) >= 3 else ""
    if ending not in _STYLED_ENDINGS or before in VOWELS or (ending == "uy" and before == "q"):
        return word
    # the pair must be bare vowels (no circumflex, breve or horn) apart from the tone
    position, mark = tones[0]
    pair = (len(letters) - 2, len(letters) - 1)
    if position not in pair or any(len(letters[i]) != 1 + (i == position) for i in pair):
        return word
    target = len(letters) - 2 if style == "old" else len(letters) - 1
    letters[position] = letters[position].replace(mark, "")
    letters[target] = letters[target] + mark
    return unicodedata.normalize("NFC", "".join(letters))


def place_tones(text: str, style: str) -> str:
    if style == "keep":
        return text
    return _WORD.sub(lambda m: place_tone(m.group(0), style), text)


@functools.cache
def _verbaliser():
    from sea_g2p import Normalizer

    return Normalizer(lang="vi")


def verbalise(text: str) -> str:
    """Numbers, dates, units and abbreviations read out in Vietnamese words (lower case)."""
    return _VERBALISER_TAG.sub("", _verbaliser().normalize(text))


def _canonical_once(text: str, options: TextOptions) -> str:
    text = unicodedata.normalize("NFC", text).translate(_PUNCTUATION_TABLE)
    if options.verbalise:
        text = unicodedata.normalize("NFC", verbalise(text)).translate(_PUNCTUATION_TABLE)
    text = " ".join(place_tones(text, options.tone_marks).split())
    if options.lowercase:
        # Lower-casing can yield decomposed sequences (e.g. U+0130): normalise again.
        text = unicodedata.normalize("NFC", text.lower())
    return text


def canonical(text: str, options: TextOptions = TextOptions()) -> str:
    """The canonical form of a transcript (see the module docstring); errors are TranscriptError."""
    for pos, ch in enumerate(text):
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85":
            raise TranscriptError(
                "invalid_text", f"control character U+{ord(ch):04X} at character {pos}"
            )
    result = _canonical_once(text, options)
    # the verbaliser may need a second pass to reach a form it leaves alone (idempotence)
    for _ in range(3):
        again = _canonical_once(result, options)
        if again == result:
            break
        result = again
    if not result:
        raise TranscriptError("empty_text", "transcript is empty after normalisation")
    return result


def lost_letters(raw: str, result: str) -> list[str]:
    """Letters of `raw` outside the Latin script that `result` no longer holds.

    The verbaliser drops what it cannot read (Cyrillic, CJK) and reads some letters out (Greek
    ω as "ô me ga"): either way the text no longer says what was written, which a transcript
    must not hide. (Latin letters may be read out by name, x -> "ích", and are not counted.)
    """
    kept = set(result)
    lost = set()
    for ch in unicodedata.normalize("NFC", raw.lower()):
        if unicodedata.category(ch).startswith("L") and ch not in kept:
            base = unicodedata.normalize("NFD", ch)[0]
            if not ("a" <= base <= "z" or ch == "đ"):
                lost.add(ch)
    return sorted(lost)


# What a transcript of speech never holds but scraped or exported text does: markup tags and
# entities, web and e-mail addresses, code. The verbaliser would read each out as words
# ("<b>" -> "nhỏ hơn b lớn hơn"), so they are found in the text as given, before canonical().
MARKUP = re.compile(
    r"(?P<tag></?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>|<!--.*?-->)"
    r"|(?P<entity>&(?:[A-Za-z]+|#[0-9]+|#x[0-9A-Fa-f]+);)"
    r"|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<url>\b(?:https?|ftp)://[^\s<>]+|\bwww\.[^\s<>]+"
    r"|\b[\w-]+\.(?:com|net|org|edu|gov|vn|io|info)\b(?:/[^\s<>]*)?)"
    r"|(?P<code>[{}`\\]|==|=>|&&|\|\||\(\);)",
    re.DOTALL,
)


def markup(raw: str, most: int = 3) -> list[str]:
    """The first `most` distinct pieces of markup, addresses or code in a transcript as given
    (MARKUP), each as `kind: text` (text cut at 40 characters); [] for plain speech."""
    found: list[str] = []
    for match in MARKUP.finditer(raw):
        piece = f"{match.lastgroup}: {' '.join(match.group().split())[:40]}"
        if piece not in found:
            found.append(piece)
            if len(found) == most:
                break
    return found


def has_digits(text: str) -> bool:
    return any(unicodedata.category(c) == "Nd" for c in text)


def count_words(text: str) -> int:
    """Whitespace-separated tokens holding at least one letter or digit (lone punctuation is no word)."""
    return sum(
        1 for token in text.split() if any(unicodedata.category(c)[0] in "LN" for c in token)
    )


def read_transcript(path: str) -> str:
    """A transcript file's text, decoded (not yet canonical)."""
    with open(path, "rb") as f:
        return decode(f.read())


def tokenise(text: str) -> list[str]:
    """The tokens f5flow trains on (and inference must feed the model): one per character."""
    return list(text)


def tokenisation_contract(options: TextOptions) -> dict:
    """How text becomes tokens, as recorded next to the checkpoints for inference."""
    return {
        "unit": "character",
        "canonical": "f5flow.text.canonical",
        **options.to_dict(),
        "unicode_normalisation": "NFC",
        "whitespace": "collapsed to single spaces",
        # upstream inference must get the same tokens: text as list(canonical string), not
        # through convert_char_to_pinyin (it splits Vietnamese words)
        "convert_char_to_pinyin": False,
    }
