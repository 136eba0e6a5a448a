import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from f5flow import text
from f5flow.text import TextOptions

PLAIN = TextOptions(lowercase=True, tone_marks="keep", verbalise=False)
CASED = TextOptions(lowercase=False, tone_marks="keep", verbalise=False)


def test_nfd_becomes_nfc():
    nfd = unicodedata.normalize("NFD", "Tiếng Việt")
    assert nfd != "Tiếng Việt"
    assert text.canonical(nfd, CASED) == "Tiếng Việt"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbfxin ch\xc3\xa0o", "xin chào"),
        ("\ufeffxin chào".encode("utf-16-le"), "xin chào"),
        ("\ufeffxin chào".encode("utf-16-be"), "xin chào"),
        ("xin chào".encode("utf-32"), "xin chào"),  # the codec writes the BOM
    ],
)
def test_utf8_and_utf16_with_bom_decode(data, expected):
    assert text.decode(data) == expected


def test_crlf_and_runs_of_whitespace_collapse():
    raw = text.decode("Hôm nay\r\ntrời  đẹp\t quá\u00a0!\r\n".encode())
    assert text.canonical(raw, PLAIN) == "hôm nay trời đẹp quá !"


def test_lowercase_switch():
    assert text.canonical("Đà Nẵng", PLAIN) == "đà nẵng"
    assert text.canonical("Đà Nẵng", CASED) == "Đà Nẵng"


def test_lowercase_result_is_nfc():
    # 'İ'.lower() is 'i' + U+0307: must come back as one NFC string.
    assert unicodedata.is_normalized("NFC", text.canonical("İstanbul", PLAIN))


def test_invalid_utf8_is_reported_with_position():
    with pytest.raises(text.TranscriptError) as err:
        text.decode(b"xin ch\xe0o")  # Latin-1 a-grave
    assert err.value.reason == "invalid_encoding"
    assert "byte 6" in err.value.detail


def test_control_character_rejected():
    with pytest.raises(text.TranscriptError) as err:
        text.canonical("xin\x00chào các bạn")
    assert err.value.reason == "invalid_text"
    assert "U+0000" in err.value.detail


@pytest.mark.parametrize("raw", ["", "   ", "\ufeff", "\r\n\t", '“ ” "'])
def test_empty_rejected(raw):
    with pytest.raises(text.TranscriptError) as err:
        text.canonical(text.decode(raw.encode()))
    assert err.value.reason == "empty_text"


@pytest.mark.parametrize(
    ("sentence", "words"),
    [("xin chào", 2), ("xin chào các bạn", 4), ("một , hai - ba", 3), ("100 năm", 2), ("...", 0)],
)
def test_count_words(sentence, words):
    assert text.count_words(sentence) == words


def test_read_transcript_decodes_a_file(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", "Mẹ Ơi\r\n").encode())
    assert text.canonical(text.read_transcript(str(path)), PLAIN) == "mẹ ơi"


def test_typographic_punctuation_is_mapped():
    raw = "“Xin chào” – anh ‘Ba’ nói—rồi đi… a|b „c‟ «d»"
    assert text.canonical(raw, CASED) == "Xin chào — anh 'Ba' nói—rồi đi… a b c d"


@pytest.mark.parametrize(
    ("written", "old", "new"),
    [
        ("hoà bình", "hòa bình", "hoà bình"),
        ("Hòa", "Hòa", "Hoà"),
        ("thuỷ thủ", "thủy thủ", "thuỷ thủ"),
        ("KHOẺ", "KHỎE", "KHOẺ"),
        ("xoá", "xóa", "xoá"),
        # a final consonant or vowel, or qu: the same in both styles (hoạ is styled)
        ("hoàng quý ngoài thuyền tuyết hoạ", "hoàng quý ngoài thuyền tuyết họa", "hoàng quý ngoài thuyền tuyết hoạ"),
    ],
)
def test_tone_mark_placement(written, old, new):
    assert text.canonical(written, TextOptions(False, "old", False)) == old
    assert text.canonical(written, TextOptions(False, "new", False)) == new
    assert text.canonical(written, TextOptions(False, "keep", False)) == written


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Năm 2024, giá tăng 25%.", "năm hai nghìn không trăm hai mươi bốn, giá tăng hai mươi lăm phần trăm."),
        ("Lúc 9:30 ngày 15/08/1990", "lúc chín giờ ba mươi phút ngày mười lăm tháng tám năm một nghìn chín trăm chín mươi"),
        ("Giá 1.500.000đ", "giá một triệu năm trăm nghìn đồng"),
        ("Đường dài 3,6 km ở TP.HCM", "đường dài ba phẩy sáu ki lô mét ở thành phố hồ chí minh"),
        # the verbaliser's <en>...</en> code-switch markup is not text
        ("Chỉ số VN-Index tăng", "chỉ số vê nờ index tăng"),
    ],
)
def test_verbalised_numbers_dates_units_abbreviations(written, spoken):
    assert text.canonical(written) == spoken


def test_digits_stay_when_verbalise_is_off():
    result = text.canonical("Năm 2024", PLAIN)
    assert result == "năm 2024" and text.has_digits(result)


def test_letters_the_canonical_form_loses_are_named():
    raw = "Chữ Ж, chữ ω và chữ x."
    assert text.lost_letters(raw, text.canonical(raw)) == ["ω", "ж"]  # code-point order
    plain = TextOptions(verbalise=False)
    assert text.lost_letters(raw, text.canonical(raw, plain)) == []


@pytest.mark.parametrize("raw, found", [
    ("xin chào <b>các bạn</b> nhé", ["tag: <b>", "tag: </b>"]),
    ("xin chào <script>document.title='x'</script> các bạn", ["tag: <script>", "tag: </script>"]),
    ("chào <!-- ghi chú -->các bạn", ["tag: <!-- ghi chú -->"]),
    ("cá &amp; gà &#39;ngon&#39;", ["entity: &amp;", "entity: &#39;"]),
    ("đọc https://vnexpress.net/thoi-su nhé", ["url: https://vnexpress.net/thoi-su"]),
    ("vào www.bao.vn hoặc tuoitre.vn để đọc", ["url: www.bao.vn", "url: tuoitre.vn"]),
    ("gửi thư cho an.nguyen@gmail.com nhé", ["email: an.nguyen@gmail.com"]),
    ("gọi hàm f() { return a == b; }", ["code: {", "code: ==", "code: }"]),
])
def test_markup_addresses_and_code_are_found_in_the_text_as_given(raw, found):
    assert text.markup(raw) == found


@pytest.mark.parametrize("raw", [
    "Hôm nay trời đẹp quá, chúng ta đi dạo nhé.",
    "Giá 3.5 triệu, tỉ lệ 1/2 và 50% - tốt (rất) tốt!",
    "Tôi < bạn và 5 > 3; lúc 10:30 sáng... \"ừ\"",
    "Ông A. Nguyễn ở TP.HCM, số 12/3 đường Lê Lợi.",
])
def test_speech_with_punctuation_and_numbers_is_no_markup(raw):
    assert text.markup(raw) == []


def test_verbalise_needs_lowercase():
    with pytest.raises(text.F5flowError, match="text.lowercase"):
        TextOptions(lowercase=False, verbalise=True)


# Property-based tests. Sentences are built from Vietnamese syllables (every tone, đ/ơ/ư, the
# oa/oe/uy endings whose tone placement differs), capitalised or not, in NFC or NFD, with numbers
# and the punctuation users paste (typographic quotes and dashes, the metadata delimiter).
SYLLABLES = (
    "xin chào tiếng việt người những đang khoảng hòa hoà thủy thuỷ khỏe khoẻ xóa xoá quý "
    "hoàng ngoài thuyền đường phố nước mười lăm nghìn được ở đây kỷ ủy ban họa sĩ yêu"
).split()
PUNCT = [",", ".", "!", "?", "…", "“", "”", "‘", "’", "–", "—", "-", "|", '"', "(", ")", ":"]
# what else transcripts hold: acronyms, English, addresses, symbols (the verbaliser spells some
# of them out letter by letter, so they are left out of the never-drops-a-letter property)
FOREIGN = ["VN-Index", "WHO", "iPhone", "a@b.com", "#1", "&", "TP.HCM", "km/h", "x", "COVID-19"]


@st.composite
def sentences(draw, foreign=True):
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        kinds = ["word", "word", "word", "number", "punct"] + (["foreign"] if foreign else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "foreign":
            word = draw(st.sampled_from(FOREIGN))
        elif kind == "word":
            word = draw(st.sampled_from(SYLLABLES))
            word = draw(st.sampled_from([word, word.capitalize(), word.upper()]))
        elif kind == "number":
            # apart from the words: glued to one ("XIN0") it is a code, spelled letter by letter
            word = f" {draw(st.integers(0, 10**7))} "
        else:
            word = draw(st.sampled_from(PUNCT))
        parts.append(word)
        parts.append(draw(st.sampled_from([" ", "  ", "\t", "", "\n"])))
    sentence = "".join(parts)
    return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), sentence)


OPTIONS = [
    TextOptions(True, "old", True),
    TextOptions(True, "new", False),
    TextOptions(False, "keep", False),
    TextOptions(False, "old", False),
]
# the Latin letters the verbaliser may write, and the 29 of the Vietnamese alphabet
LATIN_LETTERS = set("abcdefghijklmnopqrstuvwxyzđăâêôơư")
VIETNAMESE_LETTERS = set("aăâbcdđeêghiklmnoôơpqrstuưvxy")


def canonical_or_none(raw, options):
    try:
        return text.canonical(raw, options)
    except text.TranscriptError as err:
        assert err.reason == "empty_text"
        return None


def base_letters(s: str) -> set[str]:
    """Letters without tone marks (vowel marks kept: ơ is not o)."""
    out = set()
    for ch in unicodedata.normalize("NFC", s.lower()):
        decomposed = "".join(c for c in unicodedata.normalize("NFD", ch) if c not in text.TONE_MARKS)
        base = unicodedata.normalize("NFC", decomposed)
        if base in VIETNAMESE_LETTERS:
            out.add(base)
    return out


def tone_marks(s: str) -> set[str]:
    return {c for c in unicodedata.normalize("NFD", s) if c in text.TONE_MARKS}


@settings(max_examples=400, deadline=None)
@given(sentences(), st.sampled_from(OPTIONS))
def test_canonical_is_nfc_and_idempotent(raw, options):
    result = canonical_or_none(raw, options)
    if result is not None:
        assert unicodedata.is_normalized("NFC", result)
        assert text.canonical(result, options) == result
        assert "|" not in result and '"' not in result and "\n" not in result


@settings(max_examples=400, deadline=None)
@given(sentences(foreign=False), st.sampled_from(OPTIONS))
def test_canonical_never_drops_a_vietnamese_letter_or_tone(raw, options):
    result = canonical_or_none(raw, options) or ""
    assert base_letters(raw) <= base_letters(result)
    assert tone_marks(raw) <= tone_marks(result)


@settings(max_examples=400, deadline=None)
@given(sentences(), st.sampled_from(OPTIONS))
def test_canonical_adds_only_mapped_punctuation_and_verbaliser_words(raw, options):
    result = canonical_or_none(raw, options) or ""
    source = unicodedata.normalize("NFD", raw + raw.lower())
    allowed = set(source) | set("".join(text.PUNCTUATION.values())) | {" "}
    if options.verbalise:
        # the verbaliser writes Vietnamese words, commas and full stops
        allowed |= set(unicodedata.normalize("NFD", "".join(LATIN_LETTERS))) | set(text.TONE_MARKS) | set(",.")
    assert set(unicodedata.normalize("NFD", result)) <= allowed
