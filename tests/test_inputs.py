import os

import pytest

from f5flow import inputs


def touch(folder, *names):
    for name in names:
        (folder / name).write_bytes(b"x")


def by_name(entries):
    return {e.name: e for e in entries}


def files(entry):
    return entry.audio, entry.transcript


def test_stamps_follow_each_file_change(tmp_path):
    touch(tmp_path, "a.wav", "a.txt")
    [before] = inputs.discover(str(tmp_path))
    assert [s[0] for s in before.stamps] == ["a.wav", "a.txt"]
    (tmp_path / "a.txt").write_text("a new transcript")
    [after] = inputs.discover(str(tmp_path))
    assert after.stamps[0] == before.stamps[0] and after.stamps[1] != before.stamps[1]


def test_pairs_orphans_and_strays(tmp_path):
    touch(tmp_path, "a.wav", "a.txt", "b.wav", "c.txt", "notes.md", ".DS_Store")
    (tmp_path / "sub").mkdir()
    found = by_name(inputs.discover(str(tmp_path)))
    assert files(found["a"]) == ("a.wav", "a.txt")
    assert files(found["b"]) == ("b.wav", None)
    assert files(found["c"]) == (None, "c.txt")
    assert found["notes.md"].problem == "unsupported_file"
    assert found[".DS_Store"].problem == "unsupported_file"
    assert found["sub"].problem == "not_a_file"
    assert sorted(found) == [".DS_Store", "a", "b", "c", "notes.md", "sub"]


def test_upper_case_suffix_and_duplicates(tmp_path):
    touch(tmp_path, "x.WAV", "x.wav", "x.txt", "y.WAV", "y.TXT")
    found = by_name(inputs.discover(str(tmp_path)))
    assert files(found["x"]) == ("x.WAV", "x.txt")
    assert found["x.wav"].problem == "duplicate_name"
    assert "x.WAV" in found["x.wav"].detail
    assert files(found["y"]) == ("y.WAV", "y.TXT")


def test_unsafe_names_are_entries_without_files(tmp_path):
    touch(tmp_path, "line\nbreak.wav", ".wav", "{w}.wav", "{w,[a-z]+}.txt", "{not one}.wav")
    bad = os.path.join(os.fsencode(tmp_path), b"latin1-\xe0.wav")
    open(bad, "wb").close()
    found = inputs.discover(str(tmp_path))
    problems = {e.name: e.problem for e in found}
    assert problems == {
        "line\\nbreak.wav": "unsafe_name",
        "latin1-\\udce0.wav": "unsafe_name",
        ".wav": "unsupported_file",
        "{w}.wav": "unsafe_name",
        "{w,[a-z]+}.txt": "unsafe_name",
        "{not one}": None,
    }
    assert all(e.files() == [] for e in found if e.problem)


def test_missing_folder_names_the_key(tmp_path):
    with pytest.raises(inputs.InputDirError, match="input_dir"):
        inputs.discover(str(tmp_path / "nope"))
