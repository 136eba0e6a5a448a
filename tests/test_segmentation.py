"""Long recordings with their text cut into clips (segmentation.py): the cutting itself on
recordings made here with known sentence boundaries, the planning of one job per long recording,
and the workflow around it (dry run, a re-cut after one text's edit, the off switch)."""

import os
import shutil

import numpy as np
import pytest
import soundfile

import input_fixtures
from conftest import DEMO_CONFIG, snakemake
from devtools.dryrun import planned_jobs
from f5flow import dataset, records, segmentation
from f5flow.planning import jobunits
from f5flow.records import ClipRecord, Entry, parse_audio_ref
from input_fixtures import SENTENCES

RATE = 16000
# 16 distinct sentences (no duplicate_text flag among the clips)
TEXTS = SENTENCES


@pytest.fixture(scope="module")
def chapters(tmp_path_factory):
    """chapter01: TEXTS read in another voice and pace (~50 s), its .txt beside it; chapter02: the
    same reading with another text (TEXTS in another order); two short clips. And the truth."""
    folder = tmp_path_factory.mktemp("chapters")
    audio, truth = input_fixtures.chapter(TEXTS)
    soundfile.write(folder / "chapter01.wav", audio, RATE, subtype="PCM_16")
    (folder / "chapter01.txt").write_text(" ".join(TEXTS) + "\n", encoding="utf-8")
    shutil.copy(folder / "chapter01.wav", folder / "chapter02.wav")
    (folder / "chapter02.txt").write_text(" ".join(TEXTS[8:] + TEXTS[:8]) + "\n", encoding="utf-8")
    for i in range(2):
        clip, _ = input_fixtures.chapter([SENTENCES[i]], seed=i + 1)
        soundfile.write(folder / f"clip{i}.wav", clip, RATE, subtype="PCM_16")
        (folder / f"clip{i}.txt").write_text(SENTENCES[i] + "\n", encoding="utf-8")
    return folder, truth


def entry(name: str) -> Entry:
    return Entry(name=name, audio=f"{name}.wav", transcript=f"{name}.txt")


def clip_spans(made: list[ClipRecord]) -> dict[str, tuple[float, float]]:
    return {r.name: parse_audio_ref(r.audio)[2] for r in made[1:]}


def test_a_chapter_is_cut_into_clips_of_whole_sentences_at_their_true_spans(chapters, tmp_path):
    folder, truth = chapters
    settings = segmentation.Settings(max_clip_seconds=12.0)
    made = segmentation.cut(entry("chapter01"), str(folder), str(tmp_path / "wavs"), settings, voices=False)
    source, clips = made[0], made[1:]
    assert (source.problem, source.file) == (records.CUT_INTO_CLIPS, "chapter01.wav")
    assert source.detail.startswith(f"{len(clips)} clips of 16 of its 16 sentences")
    assert all(not c.problem for c in clips) and 4 <= len(clips) <= 6
    covered = []
    for clip in clips:  # NAME_SSSS: SSSS its first sentence; its text, whole sentences; its span, theirs
        first = int(clip.name.rsplit("_", 1)[1]) - 1
        count = clip.text.count(".")
        assert clip.text == " ".join(TEXTS[first: first + count])
        numbers = f"{first + 1}" if count == 1 else f"{first + 1}-{first + count}"
        assert clip.transcript == f"chapter01.txt, sentences {numbers}"
        start, end = parse_audio_ref(clip.audio)[2]
        assert abs(start - truth[first][0]) <= 0.3 and abs(end - truth[first + count - 1][1]) <= 0.3
        assert end - start <= 12.0
        assert abs(soundfile.info(str(tmp_path / "wavs" / f"{clip.name}.wav")).duration - clip.duration) < 0.01
        covered += range(first, first + count)
    assert covered == list(range(16))  # every sentence, once, in order


def test_another_recordings_text_is_rejected_never_cut(chapters, tmp_path):
    folder, _ = chapters
    made = segmentation.cut(entry("chapter02"), str(folder), str(tmp_path), segmentation.Settings(), voices=False)
    assert len(made) == 1 and made[0].problem == "text_mismatch", made
    assert "another recording's text" in made[0].detail
    assert os.listdir(tmp_path) == []  # no clip written


def test_sentences_not_in_the_audio_are_left_out_with_their_span(chapters, tmp_path):
    folder, _ = chapters
    unspoken = "con mèo đen nằm ngủ trên mái nhà suốt cả buổi chiều hôm qua."
    given = Entry(name="chapter01", audio="chapter01.wav", transcript="chapter01.txt",
                  text=" ".join(TEXTS[:6] + [unspoken] + TEXTS[6:]))  # fmt: skip
    made = segmentation.cut(given, str(folder), str(tmp_path), segmentation.Settings(), voices=False)
    left = {r.name: r for r in made[1:] if r.problem}
    assert "chapter01_0007" in left and left["chapter01_0007"].problem == "text_not_in_audio"
    assert left["chapter01_0007"].given == unspoken and "#t=" in left["chapter01_0007"].audio
    assert made[0].problem == records.CUT_INTO_CLIPS and f"{len(left)} left out" in made[0].detail
    kept_text = " ".join(r.text for r in made[1:] if not r.problem)
    assert "con mèo đen" not in kept_text and TEXTS[0] in kept_text and TEXTS[-1] in kept_text


def test_a_recording_that_cannot_be_cut_is_too_long_and_says_why(chapters, tmp_path):
    folder, _ = chapters
    one_sentence = Entry(name="chapter01", audio="chapter01.wav", transcript="chapter01.txt", text=TEXTS[0])
    made = segmentation.cut(one_sentence, str(folder), str(tmp_path), segmentation.Settings(), voices=False)
    assert len(made) == 1 and made[0].problem == "too_long"
    assert "no clip could be cut from it: sentence 1: one sentence of" in made[0].detail


def test_find_plan_and_merge(tmp_path):
    units, segments = tmp_path / "units", tmp_path / "segments"
    units.mkdir()
    rows = [Entry("a", "a.wav", "a.txt", stamps=(1, 2)), Entry("long", "long.wav", "long.txt", stamps=(3, 4))]
    jobunits.write_manifest(str(units / "s0of1.json"), rows)
    unit_records = tmp_path / "s0of1.jsonl"
    records.write_records(unit_records, [
        ClipRecord("a", "a.wav", duration=3.0, text="x y z", words=3),
        ClipRecord("long", "long.wav", duration=45.0, text="x y z", words=3),
        ClipRecord("broken", "broken.wav", problem="unreadable_audio", duration=50.0),
    ])  # fmt: skip
    settings = segmentation.Settings()
    found = segmentation.find([str(unit_records)], 30.0, settings)
    assert found == [("s0of1", "long", "long")]
    assert segmentation.find([str(unit_records)], 30.0, segmentation.Settings(long_recordings="off")) == []
    table = tmp_path / "long.json"
    segmentation.write_table(str(table), found)
    (ident,) = segmentation.plan(str(table), str(units), str(segments))
    manifest = segments / f"{ident}.json"
    assert jobunits.read_manifest(str(manifest)) == [rows[1]]
    before = manifest.stat().st_mtime_ns
    (segments / "lstale.json").write_text("[]")
    assert segmentation.plan(str(table), str(units), str(segments)) == [ident]
    assert manifest.stat().st_mtime_ns == before and os.listdir(segments) == [manifest.name]  # unchanged: not rewritten
    # the transcript edited since the table was made: the unit's new row, at once
    jobunits.write_manifest(str(units / "s0of1.json"), [rows[0], rows[1]._replace(stamps=(3, 5))])
    segmentation.plan(str(table), str(units), str(segments))
    assert jobunits.read_manifest(str(manifest))[0].stamps == (3, 5)
    # a cut recording's records stand in place of its unit record
    cut_records = tmp_path / f"{ident}.jsonl"
    records.write_records(cut_records, [
        ClipRecord("long", "long.wav", problem=records.CUT_INTO_CLIPS, detail="1 clips"),
        ClipRecord("long_0001", "long.wav#t=0.5,9", audio="long.wav#t=0.5,9", duration=8.5, text="u v w", words=3),
    ])  # fmt: skip
    merged = list(segmentation.merged([str(unit_records)], [str(cut_records)]))
    assert [(r.name, r.problem) for r in merged] == [
        ("a", None), ("broken", "unreadable_audio"), ("long", records.CUT_INTO_CLIPS), ("long_0001", None)]  # fmt: skip
    built, _ = dataset.build(merged, dataset.Filters(1.0, 30.0, 3))
    outcome = {r.record.name: r.outcome for r in built.rows}
    assert outcome["long"] == "ignored" and outcome["long_0001"] == "kept"


def jobs_run(proc) -> list[str]:
    """The rules of the jobs a Snakemake run started or a dry run planned (its console)."""
    return [rule for rule, _ in planned_jobs(proc.stdout + proc.stderr)]


def test_the_workflow_cuts_long_recordings_in_jobs_of_their_own(chapters, tmp_path):
    """Dry run after stage 0 shows one segment_recording job per long recording; the clips flow
    through stage 1 (quality.tsv names the recording and the span); another text is rejected; an
    edited text re-cuts that recording only; `off` rejects them as too_long."""
    folder, truth = chapters
    inputs = tmp_path / "in"
    shutil.copytree(folder, inputs)
    config = tmp_path / "config.yaml"
    # (voices off: no speaker encoder to load in each job, this test is about the cutting)
    config.write_text("quality: {speaker_outlier: {action: 'off'}, max_rejected_fraction: 0.9}\n"
                      "segmentation: {long_recordings: align, max_clip_seconds: 12.0}\n")  # fmt: skip
    run = lambda *args, **kw: snakemake(tmp_path, *args, configfile=[DEMO_CONFIG, config],  # noqa: E731
                                        input_dir=inputs, dataset_name="long", **kw)  # fmt: skip
    run("--until", "find_long_recordings")
    dry = run("-n", "--until", "metadata")
    assert jobs_run(dry).count("segment_recording") == 2, dry.stderr

    run("--until", "metadata")
    data = tmp_path / "data" / "long"
    metadata = dict(dataset.read_metadata(str(data / "metadata.csv")))
    quality = {row["file"]: row for row in dataset.read_tsv(str(data / "quality.tsv"))}
    clips = {row["clip"]: (file, row) for file, row in quality.items() if file.startswith("chapter01.wav#t=")}
    assert len(clips) >= 4 and all(f"wavs/{name}.wav" in metadata for name in clips)
    for name, (file, row) in clips.items():
        first = int(name.rsplit("_", 1)[1]) - 1
        start, _ = parse_audio_ref(file)[2]
        assert abs(start - truth[first][0]) <= 0.3 and metadata[f"wavs/{name}.wav"].startswith(TEXTS[first])
    assert quality["chapter01.wav"]["outcome"] == "ignored" and "cut_into_clips" in quality["chapter01.wav"]["reason"]
    assert quality["chapter02.wav"]["outcome"] == "rejected"
    assert quality["chapter02.wav"]["reason"].startswith("text_mismatch: ")
    assert not any(f.startswith("chapter02.wav#") for f in quality)
    assert {"wavs/clip0.wav", "wavs/clip1.wav"} <= set(metadata)
    assert "segment_recording" not in jobs_run(run("-n", "--until", "metadata"))  # nothing left to do

    # chapter01's text edited (a sentence it does not say): that recording alone is cut again
    records_dir = tmp_path / "work" / "long" / "records"
    chapter02_records = records_dir / f"{segmentation.recording_id('chapter02')}.jsonl"
    before = chapter02_records.stat().st_mtime_ns
    with open(inputs / "chapter01.txt", "a", encoding="utf-8") as f:
        f.write("Con mèo đen nằm ngủ trên mái nhà suốt cả buổi chiều hôm qua.\n")
    again = run("--until", "metadata")
    assert jobs_run(again).count("segment_recording") == 1
    assert chapter02_records.stat().st_mtime_ns == before
    rejected = {row["file"]: row["reason"] for row in dataset.read_tsv(str(data / "rejected.tsv"))}
    assert any(f.startswith("chapter01.wav#t=") and reason == "text_not_in_audio" for f, reason in rejected.items())

    # off: long recordings are rejected as too long, none cut
    off = tmp_path / "off.yaml"
    off.write_text("quality: {speaker_outlier: {action: 'off'}, max_rejected_fraction: 0.9}\n"
                   "segmentation: {long_recordings: 'off'}\n")  # fmt: skip
    proc = snakemake(tmp_path, "--until", "metadata", configfile=[DEMO_CONFIG, off], input_dir=inputs, dataset_name="long")
    assert not {"segment_recording", "find_long_recordings"} & set(jobs_run(proc))
    quality = {row["file"]: row for row in dataset.read_tsv(str(data / "quality.tsv"))}
    assert quality["chapter01.wav"]["reason"].startswith("too_long: ")
    assert not any("#t=" in f for f in quality)


def test_a_segment_of_a_file_is_cut_in_the_files_own_seconds(chapters, tmp_path):
    """A long utterance that is itself a stretch of a file (a Kaldi `segments` line, FILE#t=S,E):
    its clips' references are in seconds of the file, not of the stretch."""
    folder, truth = chapters
    audio, rate = soundfile.read(folder / "chapter01.wav", dtype="float32")
    lead = 0.003 * np.random.default_rng(1).standard_normal(10 * rate).astype(np.float32)
    soundfile.write(tmp_path / "session.wav", np.concatenate([lead, audio]), rate, subtype="PCM_16")
    end = 10 + len(audio) / rate
    utterance = Entry(name="utt1", audio=f"session.wav#t=10,{end:.3f}", transcript="text:1", text=" ".join(TEXTS))
    made = segmentation.cut(utterance, str(tmp_path), str(tmp_path / "wavs"), segmentation.Settings(), voices=False)
    assert made[0].problem == records.CUT_INTO_CLIPS and len(made) > 2
    for clip in made[1:]:
        path, _, (start, _) = parse_audio_ref(clip.audio)
        first = int(clip.name.rsplit("_", 1)[1]) - 1
        assert path == "session.wav" and abs(start - (10 + truth[first][0])) <= 0.3, clip.audio
