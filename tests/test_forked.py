"""Planning's work in forked processes gives exactly what it gives in one process."""

import os

import pytest

from devtools.discovery import discover
from f5flow.planning import forked, jobunits
from f5flow.records import Entry


def slice_sum(data, start, stop):
    return (start, stop, sum(data[start:stop]))


@pytest.fixture
def always_forked(monkeypatch):
    if forked.processes() < 2:
        pytest.skip("one core: nothing is forked")
    monkeypatch.setattr(forked, "MIN_ITEMS", 1)


def test_slices_cover_every_item_once_in_order(always_forked):
    data = list(range(1000))
    results = forked.map_slices(slice_sum, data, len(data))
    assert len(results) > 1  # really split
    assert [r[0] for r in results] == sorted(r[0] for r in results)
    assert all(a[1] == b[0] for a, b in zip(results, results[1:]))
    assert (results[0][0], results[-1][1]) == (0, 1000)
    assert sum(r[2] for r in results) == sum(data)


def test_below_the_threshold_nothing_is_forked():
    assert forked.map_slices(slice_sum, [1, 2, 3], 3) == [(0, 3, 6)]


def make_folder(root, n):
    os.makedirs(root)
    for i in range(n):
        for suffix, data in ((".wav", b"x" * (i % 7)), (".txt", b"t" * (i % 5))):
            with open(os.path.join(root, f"clip_{i:04d}{suffix}"), "wb") as f:
                f.write(data)
    os.makedirs(os.path.join(root, "sub"))
    for name in ("sub/a.wav", "sub/a.txt", "orphan.txt", "notes.md", "x.WAV", "x.wav", "x.txt"):
        with open(os.path.join(root, name), "wb") as f:
            f.write(name.encode())


@pytest.mark.parametrize("shard_size", [1, 10])
@pytest.mark.parametrize("in_forks", [False, True])
def test_planning_gives_the_units_of_discovery(tmp_path, monkeypatch, shard_size, in_forks):
    # planning groups the files by unit before making entries (in forked processes); discovery
    # makes them all in one process, then assign_units groups them: the same units, entry by entry
    make_folder(str(tmp_path / "in"), 300)
    for name in ("sub/b.wav", "sub/b.txt", "sub__b.wav", "sub__b.txt", "t~0badcafe.wav", "t.wav",
                 "spk.1.flac", "spk.1.txt", ".hidden.wav", "odd|name.wav"):  # fmt: skip
        with open(tmp_path / "in" / name, "wb") as f:
            f.write(name.encode())
    expected = jobunits.assign_units(discover(str(tmp_path / "in")).entries, shard_size, 2)
    assert any("~" in e.name for m in expected.values() for e in m)  # names that collided
    if in_forks:
        if forked.processes() < 2:
            pytest.skip("one core: nothing is forked")
        monkeypatch.setattr(forked, "MIN_ITEMS", 1)
    else:
        monkeypatch.setattr(forked, "MIN_ITEMS", 10**9)
    folder = tmp_path / "units"
    ids, layout, _, _ = jobunits.plan(str(tmp_path / "in"), "auto", shard_size, 2, str(folder))
    assert ids == sorted(expected) and layout.startswith("pairs")
    for unit in ids:
        assert jobunits.read_manifest(str(folder / f"{unit}.json")) == expected[unit], unit
    [x] = [e for m in expected.values() for e in m if e.name == "x"]
    assert x.audio == "x.WAV"  # of x.WAV and x.wav, the first by name
    assert x.stamps == (5, os.stat(tmp_path / "in" / "x.WAV").st_mtime_ns,
                        5, os.stat(tmp_path / "in" / "x.txt").st_mtime_ns)  # fmt: skip


def test_forked_manifest_writing_rewrites_only_changed_units(tmp_path, always_forked):
    entries = [Entry(f"clip_{i:04d}", audio=f"clip_{i:04d}.wav", stamps=(i, i)) for i in range(200)]
    units = jobunits.assign_units(entries, 1)  # 200 units: written by several processes
    folder = str(tmp_path / "units")
    assert sorted(jobunits.write_manifests(units, folder, "pairs")) == sorted(units)
    for unit, members in units.items():
        assert jobunits.read_manifest(os.path.join(folder, unit + ".json")) == members
    assert jobunits.write_manifests(units, folder, "pairs") == []
    entries[7] = entries[7]._replace(stamps=(7, 8))
    assert jobunits.write_manifests(jobunits.assign_units(entries, 1), folder, "pairs") == [
        jobunits.unit_id("clip_0007", 1, 1)
    ]
