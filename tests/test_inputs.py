import os

import pytest

from f5flow import inputs
from f5flow.inputs import Entry


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


def names(n):
    return [Entry(f"clip_{i:05d}", audio=f"clip_{i:05d}.wav") for i in range(n)]


def test_shard_size_one_gives_one_unit_per_entry():
    units = inputs.assign_units(names(50), 1)
    assert len(units) == 50 and all(len(m) == 1 for m in units.values())


@pytest.mark.parametrize(("n", "size", "count"), [(1, 100, 1), (100, 100, 1), (101, 100, 2), (700, 100, 8)])
def test_unit_count_is_power_of_two(n, size, count):
    assert inputs.unit_count(n, size) == count


@pytest.mark.parametrize(("n", "size", "floor", "count"), [(5, 1000, 8, 8), (1000, 1000, 8, 8), (10000, 1000, 8, 16), (9, 2, 3, 8)])
def test_unit_count_has_a_floor(n, size, floor, count):
    assert inputs.unit_count(n, size, floor) == count


def test_small_dataset_spreads_over_min_units():
    units = inputs.assign_units(names(40), 1000, min_units=8)
    assert 6 <= len(units) <= 8 and sum(len(m) for m in units.values()) == 40


def test_units_cover_every_entry_once_and_are_balanced():
    entries = names(4000)
    units = inputs.assign_units(entries, 250)
    members = [e for m in units.values() for e in m]
    assert sorted(members, key=lambda e: e.name) == entries
    assert len(units) == 16
    assert max(len(m) for m in units.values()) < 2 * 250


@pytest.mark.parametrize("size", [1, 7, 100])
def test_adding_an_entry_changes_only_its_unit(size):
    before = inputs.assign_units(names(300), size)
    new = Entry("zz_new", audio="zz_new.wav")
    after = inputs.assign_units(names(300) + [new], size)
    changed = {u for u in before.keys() | after.keys() if before.get(u) != after.get(u)}
    n_units = inputs.unit_count(301, size)
    assert changed == {inputs.unit_id("zz_new", size, n_units)}
