"""Job units: which entries run together, and the ids Snakemake sees."""

import json
import os
import re

import pytest

from devtools.discovery import discover
from f5flow.planning import jobunits, layouts
from f5flow.records import Entry


def names(n):
    return [Entry(f"clip_{i:05d}", audio=f"clip_{i:05d}.wav") for i in range(n)]


def test_shard_size_one_gives_one_unit_per_entry():
    units = jobunits.assign_units(names(50), 1)
    assert len(units) == 50 and all(len(m) == 1 for m in units.values())


@pytest.mark.parametrize(("n", "size", "count"), [(1, 100, 1), (100, 100, 1), (101, 100, 2), (700, 100, 8)])
def test_unit_count_is_power_of_two(n, size, count):
    assert jobunits.unit_count(n, size) == count


@pytest.mark.parametrize(("n", "size", "floor", "count"), [(5, 1000, 8, 8), (1000, 1000, 8, 8), (10000, 1000, 8, 16), (9, 2, 3, 8)])
def test_unit_count_has_a_floor(n, size, floor, count):
    assert jobunits.unit_count(n, size, floor) == count


def test_small_dataset_spreads_over_min_units():
    units = jobunits.assign_units(names(40), 1000, min_units=8)
    assert 6 <= len(units) <= 8 and sum(len(m) for m in units.values()) == 40


def test_units_cover_every_entry_once_and_are_balanced():
    entries = names(4000)
    units = jobunits.assign_units(entries, 250)
    members = [e for m in units.values() for e in m]
    assert sorted(members, key=lambda e: e.name) == entries
    assert len(units) == 16
    assert max(len(m) for m in units.values()) < 2 * 250


@pytest.mark.parametrize("size", [1, 7, 100])
def test_adding_an_entry_changes_only_its_unit(size):
    before = jobunits.assign_units(names(300), size)
    new = Entry("zz_new", audio="zz_new.wav")
    after = jobunits.assign_units(names(300) + [new], size)
    changed = {u for u in before.keys() | after.keys() if before.get(u) != after.get(u)}
    n_units = jobunits.unit_count(301, size)
    assert changed == {jobunits.unit_id("zz_new", size, n_units)}


def test_every_unit_id_matches_the_wildcard_regex():
    ids = list(jobunits.assign_units(names(300), 1)) + list(jobunits.assign_units(names(3000), 7))
    pattern = re.compile(jobunits.UNIT_WILDCARD)
    assert all(pattern.fullmatch(unit) for unit in ids)
    assert not pattern.fullmatch("s1of8.jsonl") and not pattern.fullmatch("../x")


def test_manifests_are_rewritten_only_where_a_unit_changed(tmp_path):
    entries = names(40) + [Entry("ngữ_âm", audio="ngữ_âm.wav", transcript="ngữ_âm.txt", stamps=(5, 6, 7, 8)),
                           Entry("bad", transcript="metadata.csv:3", problem="bad_table_row", detail="1 field")]  # fmt: skip
    units = jobunits.assign_units(entries, 10)
    folder = tmp_path / "units"
    assert sorted(jobunits.write_manifests(units, str(folder), "pairs")) == sorted(units)
    for unit, members in units.items():
        assert jobunits.read_manifest(str(folder / f"{unit}.json")) == members
    assert jobunits.read_plan(str(folder))[:2] == (sorted(units), "pairs")
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}

    assert jobunits.write_manifests(units, str(folder), "pairs") == []  # nothing changed: no write
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes

    # one recording rewritten (its size and mtime), one removed: their units' manifests only
    changed = [e._replace(stamps=(9, 9)) if e.name == "clip_00003" else e
               for e in entries if e.name != "clip_00017"]  # fmt: skip
    after = jobunits.assign_units(changed, 10)
    expected = {jobunits.unit_id("clip_00003", 10, 8), jobunits.unit_id("clip_00017", 10, 8)}
    assert set(jobunits.write_manifests(after, str(folder), "pairs")) == expected
    for p in folder.iterdir():
        if p.stem not in expected:
            assert p.stat().st_mtime_ns == mtimes[p.name], p.name


def test_manifests_of_units_that_are_gone_are_removed(tmp_path):
    folder = tmp_path / "units"
    jobunits.write_manifests(jobunits.assign_units(names(40), 10), str(folder), "pairs")
    (folder / "s3of8.json.part").write_text("left by a killed planning")
    jobunits.write_manifests(jobunits.assign_units(names(40), 5), str(folder), "pairs")  # 8 -> 16 units
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted([f"{u}.json" for u in jobunits.assign_units(names(40), 5)] + ["plan.json"])


def test_planning_an_empty_folder_names_it_as_configured(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "recordings").mkdir()
    with pytest.raises(layouts.InputDirError, match=r"input_dir: recordings holds no files"):
        jobunits.plan("recordings", "auto", 10, 1, str(tmp_path / "units"))


def plan_folder(tmp_path, n):
    folder = tmp_path / "recordings"
    folder.mkdir()
    for i in range(n):
        (folder / f"clip_{i:03d}.wav").write_bytes(b"x")
        (folder / f"clip_{i:03d}.txt").write_text("text")
    return folder


def mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_planning_an_unchanged_folder_again_writes_nothing(tmp_path, monkeypatch):
    recordings, units = plan_folder(tmp_path, 30), tmp_path / "units"
    first = jobunits.plan(str(recordings), "auto", 5, 2, str(units))
    before = mtimes(units)
    assert jobunits.STATE_FILE in before
    made, real_entries = [], jobunits.listing.paired_entries
    monkeypatch.setattr(jobunits.listing, "paired_entries", lambda *a: made.append(1) or real_entries(*a))
    assert jobunits.plan(str(recordings), "auto", 5, 2, str(units)) == first
    assert made == [] and mtimes(units) == before  # stopped after the stats
    os.utime(recordings / "clip_011.txt", ns=(1, 1))  # the same names, one mtime changed
    assert jobunits.plan(str(recordings), "auto", 5, 2, str(units)) == first
    rewritten = [name for name, mtime in mtimes(units).items() if before[name] != mtime]
    assert sorted(rewritten) == sorted([f"{jobunits.unit_id('clip_011', 5, 8)}.json", jobunits.STATE_FILE])
    made.clear()
    assert jobunits.plan(str(recordings), "auto", 5, 2, str(units)) == first and made == []


def test_a_table_layout_keeps_no_state(tmp_path):
    recordings, units = plan_folder(tmp_path, 30), tmp_path / "units"
    jobunits.plan(str(recordings), "auto", 5, 2, str(units))
    assert (units / jobunits.STATE_FILE).exists()
    (recordings / "metadata.csv").write_text("clip_001.wav|a text of a table\n")  # read each time
    assert "metadata.csv" in jobunits.plan(str(recordings), "auto", 5, 2, str(units))[1]
    assert not (units / jobunits.STATE_FILE).exists()


@pytest.mark.parametrize("change", ["rewritten", "manifest removed", "shard_size"])
def test_planning_again_replans_what_changed(tmp_path, change):
    recordings, units = plan_folder(tmp_path, 30), tmp_path / "units"
    first = jobunits.plan(str(recordings), "auto", 5, 2, str(units))
    shard_size = 5
    if change == "rewritten":  # in place: the same names, a new size
        (recordings / "clip_007.wav").write_bytes(b"longer")
        expected = [jobunits.unit_id("clip_007", 5, 8)]
    elif change == "manifest removed":
        (units / f"{first[0][0]}.json").unlink()
        expected = [first[0][0]]
    else:
        shard_size = 3
        expected = "all"
    before = mtimes(units)
    again = jobunits.plan(str(recordings), "auto", shard_size, 2, str(units))
    rewritten = sorted(p.stem for p in units.glob("s*.json") if before.get(p.name) != p.stat().st_mtime_ns)
    assert rewritten == (sorted(again[0]) if expected == "all" else expected)
    assert jobunits.plan(str(recordings), "auto", shard_size, 2, str(units)) == again


def test_a_killed_planning_leaves_no_state_beside_its_manifests(tmp_path, monkeypatch):
    recordings, units = plan_folder(tmp_path, 30), tmp_path / "units"
    jobunits.plan(str(recordings), "auto", 5, 2, str(units))
    clip = recordings / "clip_007.wav"
    planned_mtime = clip.stat().st_mtime_ns
    os.utime(clip, ns=(1, 1))

    def killed_after_the_manifests(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(jobunits, "_write_plan", killed_after_the_manifests)
    with pytest.raises(KeyboardInterrupt):
        jobunits.plan(str(recordings), "auto", 5, 2, str(units))
    monkeypatch.undo()
    os.utime(clip, ns=(planned_mtime, planned_mtime))  # back to the state planned first
    jobunits.plan(str(recordings), "auto", 5, 2, str(units))
    manifest = units / f"{jobunits.unit_id('clip_007', 5, 8)}.json"
    [entry] = [e for e in jobunits.read_manifest(str(manifest)) if e.name == "clip_007"]
    assert entry.stamps[1] == planned_mtime


@pytest.mark.parametrize("name", ["clip_001", "ngữ_âm", "emoji_\U0001f600", "bad_\udcff", 'q"uote\\'])
def test_manifest_bytes_are_json_ascii_whichever_encoder_wrote_them(name):
    # a manifest rewritten with other bytes re-runs its unit: orjson's bytes must be json's
    entries = [Entry(name, f"{name}.wav", f"{name}.txt", stamps=(1, 2**62, 3, 4)), Entry("x", problem="p", detail="d")]
    data = jobunits.manifest_bytes(entries)
    assert data == json.dumps(entries, separators=(",", ":")).encode("ascii")
    assert [Entry.from_row(row) for row in json.loads(data)] == entries


def test_planning_counts_entries_as_discovery_does(tmp_path):
    # the unit count comes from the files before any entry exists: one per file, one less per
    # recording with its transcript, one per problem; 40 entries -> 4 units of 10, 41 -> 8
    folder = tmp_path / "recordings"
    folder.mkdir()
    names = [f"p{i}.wav" for i in range(20)] + [f"p{i}.txt" for i in range(20)] + [f"a{i}.WAV" for i in range(6)]
    names += [f"t{i}.txt" for i in range(6)] + [f"n{i}.md" for i in range(7)] + ["Thumbs.db"]
    for name in names:
        (folder / name).write_bytes(b"x")
    for extra, n_units in ((None, 4), ("n7.md", 8)):
        if extra:
            (folder / extra).write_bytes(b"x")
        assert len(discover(str(folder)).entries) == 40 + bool(extra)
        ids = jobunits.plan(str(folder), "auto", 10, 1, str(tmp_path / "units")).units
        assert {unit.partition("of")[2] for unit in ids} == {str(n_units)}
