import pytest

from f5flow import vocabulary

PRETRAINED = [" ", "!", "a", "b", "ai2", "ă"]


def write(path, content: bytes):
    path.write_bytes(content)
    return str(path)


def test_read_lf_crlf_and_bom_alike(tmp_path):
    lf = write(tmp_path / "lf.txt", b" \n!\na\n")
    crlf = write(tmp_path / "crlf.txt", b" \r\n!\r\na\r\n")
    bom = write(tmp_path / "bom.txt", b"\xef\xbb\xbf \n!\na\n")
    assert vocabulary.read_lines(lf) == vocabulary.read_lines(crlf) == vocabulary.read_lines(bom) == [" ", "!", "a"]


def test_last_line_without_newline_is_kept(tmp_path):
    assert vocabulary.read_lines(write(tmp_path / "v.txt", b" \nab")) == [" ", "ab"]


def test_invalid_utf8_vocab_names_the_file(tmp_path):
    path = write(tmp_path / "v.txt", b" \n\xe0\n")
    with pytest.raises(vocabulary.VocabError, match="v.txt is not UTF-8"):
        vocabulary.read_lines(path)


def test_extend_appends_missing_sorted_after_pretrained_order():
    ext = vocabulary.extend(PRETRAINED, ["ỹ", "a", " ", "ẩ", "b", "ĩ"])
    assert ext.lines[: len(PRETRAINED)] == PRETRAINED
    assert ext.missing == sorted(["ỹ", "ẩ", "ĩ"])
    assert ext.lines == PRETRAINED + ["ĩ", "ẩ", "ỹ"]


def test_extend_is_stable_under_input_order():
    chars = ["ỹ", "ẩ", "ĩ", "x"]
    assert vocabulary.extend(PRETRAINED, chars).lines == vocabulary.extend(PRETRAINED, chars[::-1]).lines


def test_nothing_missing_keeps_vocab_unchanged():
    assert vocabulary.extend(PRETRAINED, ["a", "b"]).lines == PRETRAINED


def test_duplicate_pretrained_line_refused():
    with pytest.raises(vocabulary.VocabError, match="twice"):
        vocabulary.extend([" ", "a", "a"], ["b"])


def test_written_file_is_lf_with_trailing_newline(tmp_path):
    path = tmp_path / "out.txt"
    vocabulary.write_lines(str(path), [" ", "a", "ỹ"])
    assert path.read_bytes() == " \na\nỹ\n".encode()
    assert vocabulary.read_lines(str(path)) == [" ", "a", "ỹ"]


def test_upstream_reader_sees_the_same_tokens(tmp_path):
    # Upstream get_tokenizer: `for i, char in enumerate(f): map[char[:-1]] = i`.
    path = tmp_path / "out.txt"
    lines = vocabulary.extend(PRETRAINED, ["ỹ"]).lines
    vocabulary.write_lines(str(path), lines)
    with open(path, encoding="utf-8") as f:
        upstream = {char[:-1]: i for i, char in enumerate(f)}
    assert upstream == {line: i for i, line in enumerate(lines)}


def test_resolve_package_file_from_installed_f5_tts():
    path = vocabulary.resolve("pkg://f5_tts/infer/examples/vocab.txt")
    lines = vocabulary.read_lines(path)
    assert len(lines) == 2545 and lines[0] == " "


def test_resolve_missing_package_names_the_key():
    with pytest.raises(vocabulary.VocabError, match="pretrained_vocab"):
        vocabulary.resolve("pkg://no_such_package_f5flow/vocab.txt")
