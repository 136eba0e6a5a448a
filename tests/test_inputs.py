import json
import os

import pytest

from f5flow import records
from devtools.discovery import discover
from f5flow.planning import layouts, listing


def touch(folder, *names):
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


def found(folder, layout="auto"):
    return {e.name: e for e in discover(str(folder), layout).entries}


def files(entry):
    return entry.audio, entry.transcript


def test_stamps_follow_each_file_change(tmp_path):
    touch(tmp_path, "a.wav", "a.txt")
    [before] = discover(str(tmp_path)).entries
    # (size, mtime_ns) of the audio, then of the transcript
    assert before.stamps[0::2] == (1, 1)
    (tmp_path / "a.txt").write_text("a new transcript")
    [after] = discover(str(tmp_path)).entries
    assert after.stamps[:2] == before.stamps[:2] and after.stamps[2:] != before.stamps[2:]


def test_a_dotted_stem_keeps_its_dots(tmp_path):
    # only the audio suffix goes: spk.1.wav and spk.2.wav are two clips, not a collision
    touch(tmp_path, "spk.1.wav", "spk.1.txt", "spk.2.wav", "spk.2.txt")
    assert sorted(found(tmp_path)) == ["spk.1", "spk.2"]
    assert listing.clip_name("a/b.c.flac") == "a__b.c"


def test_pairs_orphans_strays_and_system_files(tmp_path):
    touch(tmp_path, "a.wav", "a.txt", "b.flac", "c.txt", "notes.md", ".DS_Store", "Thumbs.db",
          "__MACOSX/._a.wav", "sub/d.m4a", "sub/d.txt")  # fmt: skip
    entries = found(tmp_path)
    assert files(entries["a"]) == ("a.wav", "a.txt")
    assert entries["b"].problem == "missing_transcript"
    assert entries["c"].problem == "missing_audio"
    assert files(entries["sub__d"]) == ("sub/d.m4a", "sub/d.txt")
    assert entries["notes.md"].problem == "unsupported_file"
    for ignored in (".DS_Store", "Thumbs.db", "__MACOSX"):
        assert entries[ignored].problem == records.IGNORED
    assert sorted(entries) == [".DS_Store", "Thumbs.db", "__MACOSX", "a", "b", "c", "notes.md",
                               "sub__d"]  # fmt: skip


def test_nested_folders_never_collide(tmp_path):
    touch(tmp_path, "s1/a.wav", "s1/a.txt", "s2/a.wav", "s2/a.txt", "s1__a.wav", "s1__a.txt")
    entries = discover(str(tmp_path)).entries
    names = [e.name for e in entries]
    assert len(set(names)) == 3
    assert {e.audio for e in entries} == {"s1/a.wav", "s2/a.wav", "s1__a.wav"}
    assert "s2__a" in names
    assert sum(n.startswith("s1__a~") for n in names) == 2  # the two that map to s1__a


def test_upper_case_suffix_and_duplicates(tmp_path):
    touch(tmp_path, "x.WAV", "x.wav", "x.txt", "y.WAV", "y.TXT")
    entries = found(tmp_path)
    assert files(entries["x"]) == ("x.WAV", "x.txt")
    assert entries["x.wav"].problem == "duplicate_name"
    assert "x.WAV" in entries["x.wav"].detail
    assert files(entries["y"]) == ("y.WAV", "y.TXT")


def test_special_characters_are_kept_unsafe_names_are_not(tmp_path):
    touch(tmp_path, "{w}.wav", "{w}.txt", "a|b & 'c'.wav", "a|b & 'c'.txt", "line\nbreak.wav")
    bad = os.path.join(os.fsencode(tmp_path), b"latin1-\xe0.wav")
    open(bad, "wb").close()
    entries = found(tmp_path)
    assert entries["{w}"].problem is None
    assert files(entries["a_b & 'c'"]) == ("a|b & 'c'.wav", "a|b & 'c'.txt")
    assert entries["line\\nbreak.wav"].problem == "unsafe_name"
    assert entries["latin1-\\udce0.wav"].problem == "unsafe_name"


def test_ljspeech_table(tmp_path):
    touch(tmp_path, "wavs/A.wav", "wavs/B.wav", "wavs/extra.wav")
    (tmp_path / "metadata.csv").write_text('A|"Hi" there|hi there\nB|text b\nonly\nC|c\n')
    discovery = discover(str(tmp_path))
    entries = {e.name: e for e in discovery.entries}
    assert discovery.layout.startswith("table: metadata.csv without header (LJSpeech")
    assert "column 2 (text) and 3 (normalized)" in discovery.layout
    assert (entries["A"].audio, entries["A"].text) == ("wavs/A.wav", "hi there")
    assert (entries["B"].transcript, entries["B"].text) == ("metadata.csv:2", "text b")
    assert entries["metadata.csv:3"].problem == "bad_table_row"
    assert [e.problem for e in discovery.entries if e.transcript == "metadata.csv:4"] == ["missing_audio"]
    assert entries["wavs/extra.wav"].problem == "not_in_table"


def test_f5_table_with_header_and_utf16(tmp_path):
    touch(tmp_path, "clips/a.wav")
    table = "audio_file|text\nclips/a.wav|xin chào\nclips/a.wav|again\n"
    (tmp_path / "metadata.csv").write_bytes(b"\xff\xfe" + table.encode("utf-16-le"))
    discovery = discover(str(tmp_path))
    entries = {e.name: e for e in discovery.entries}
    assert "F5-TTS format" in discovery.layout
    assert entries["clips__a"].text == "xin chào"
    assert entries["metadata.csv:3"].problem == "duplicate_row"


def test_manifest_relative_and_absolute(tmp_path):
    touch(tmp_path, "audio/a.flac", "audio/b.wav", "audio/c.wav")
    lines = [
        {"audio_filepath": "audio/a.flac", "text": "một", "duration": 1.0},
        {"audio_filepath": str(tmp_path / "audio" / "b.wav"), "text": "hai"},
    ]
    body = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + '\n{"text": "no audio"}\n'
    (tmp_path / "train.jsonl").write_text(body)
    entries = found(tmp_path)
    assert (entries["audio__a"].audio, entries["audio__a"].text) == ("audio/a.flac", "một")
    assert (entries["audio__b"].audio, entries["audio__b"].transcript) == ("audio/b.wav", "train.jsonl:2")
    assert entries["train.jsonl:3"].problem == "bad_manifest_line"
    assert entries["audio/c.wav"].problem == "not_in_manifest"


def test_layout_can_be_forced_and_ambiguity_is_an_error(tmp_path):
    touch(tmp_path, "a.wav", "a.txt")
    (tmp_path / "metadata.csv").write_text("a|xin chào\n")
    (tmp_path / "m.jsonl").write_text('{"audio_filepath": "a.wav", "text": "x"}\n')
    with pytest.raises(layouts.InputDirError, match="set input_layout"):
        discover(str(tmp_path))
    assert found(tmp_path, "pairs")["a"].transcript == "a.txt"
    assert found(tmp_path, "manifest")["a"].text == "x"
    touch(tmp_path, "other/b.wav", "other/b.txt")
    with pytest.raises(layouts.InputDirError, match="input_layout is table: .* does not hold one"):
        discover(str(tmp_path / "other"), "table")
    (tmp_path / "empty").mkdir()
    with pytest.raises(layouts.InputDirError, match="empty holds no files"):
        discover(str(tmp_path / "empty"), "table")


def test_missing_folder_names_the_key(tmp_path):
    with pytest.raises(layouts.InputDirError, match="input_dir: .*nope does not exist"):
        discover(str(tmp_path / "nope"))
