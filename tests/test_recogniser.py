"""Recordings without a text, transcribed (segmentation.untranscribed: transcribe): the recogniser
loaded from a Hugging Face cache by the real loading code, on tiny Whisper models the tests build
(devtools/tiny_whisper.py: one trained to say one sentence for any speech, one untrained), the
cutting at pauses, the confidence threshold, the machine-made marking, and the workflow around it."""

import shutil

import numpy as np
import pytest
import soundfile

import input_fixtures
from conftest import DEMO_CONFIG, snakemake
from devtools import tiny_whisper
from devtools.dryrun import planned_jobs
from f5flow import dataset, hub, preprocess, records, segmentation
from f5flow.records import Entry, parse_audio_ref
from input_fixtures import SENTENCES

SAYS = "xin chào các bạn"
TRAINED, UNTRAINED = "openai/whisper-large-v3-turbo", "tiny/untrained-whisper"


@pytest.fixture(scope="module")
def hf_home(tmp_path_factory):
    """A Hugging Face cache holding both tiny models (TRAINED under the default's name)."""
    root = tmp_path_factory.mktemp("models")
    for repo, steps in ((TRAINED, 150), (UNTRAINED, 0)):
        tiny_whisper.build(str(root / repo.replace("/", "_")), says=SAYS, steps=steps)
        env = tiny_whisper.into_hf_cache(str(root / repo.replace("/", "_")), str(root / "hf"), repo)
    return env


@pytest.fixture
def offline(hf_home, monkeypatch):
    """This process reads that cache, offline (huggingface_hub read HF_HOME when imported)."""
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", hf_home["HF_HOME"] + "/hub")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)


@pytest.fixture(scope="module")
def podcast(tmp_path_factory):
    """Six sentences read with pauses (~20 s), no text beside it; and the sentences' spans."""
    folder = tmp_path_factory.mktemp("podcast")
    audio, truth = input_fixtures.chapter(SENTENCES[:6], seed=3)
    soundfile.write(folder / "podcast.wav", audio, 16000, subtype="PCM_16")
    return folder, truth


def test_the_recogniser_loads_from_the_cache_and_transcribes_in_batches(offline):
    from f5flow.recogniser import Recogniser

    rng = np.random.default_rng(1)
    pieces = [0.1 * rng.standard_normal(16000 * n).astype(np.float32) for n in (1, 4, 9)]
    heard = Recogniser(f"hf://{TRAINED}", "vi", batch_size=2).transcribe(pieces)  # two batches
    assert [h.text for h in heard] == [SAYS] * 3 and all(h.confidence > 0.9 for h in heard)
    unsure = Recogniser(f"hf://{UNTRAINED}", "vi").transcribe(pieces[:1])
    assert unsure[0].confidence < 0.1  # random weights: noise, and the confidence says so


def test_a_model_not_in_the_cache_offline_says_how_to_fetch_it(offline):
    with pytest.raises(hub.HubError) as err:
        hub.model_folder("hf://nobody/no-such-whisper", "segmentation.recogniser")
    assert "HF_HUB_OFFLINE is set" in str(err.value) and "hf download nobody/no-such-whisper" in str(err.value)


def test_without_the_switch_a_recording_without_a_text_is_missing_transcript(podcast, tmp_path):
    folder, _ = podcast
    orphan = Entry("podcast", "podcast.wav", problem="missing_transcript", detail="no podcast.txt beside it")
    (kept_as_is,) = preprocess.process_unit([orphan], str(folder), str(tmp_path), voices=False)
    assert kept_as_is.problem == "missing_transcript" and kept_as_is.duration is None
    (measured,) = preprocess.process_unit([orphan], str(folder), str(tmp_path), voices=False, transcribe=True)
    assert measured.problem == records.UNTRANSCRIBED and measured.duration > 15  # (about 20 s, silent edges trimmed)


def test_a_recording_without_a_text_is_cut_at_pauses_and_transcribed(offline, podcast, tmp_path):
    folder, truth = podcast
    settings = segmentation.Settings(untranscribed="transcribe", recogniser=f"hf://{TRAINED}", max_clip_seconds=10.0)
    made = segmentation.cut(Entry("podcast", "podcast.wav"), str(folder), str(tmp_path), settings, voices=False)
    source, clips = made[0], made[1:]
    assert source.problem == records.CUT_INTO_CLIPS and source.detail.startswith("no text: ")
    assert len(clips) >= 2 and all(not c.problem for c in clips)  # ~20 s in pieces of at most 10 s
    for k, clip in enumerate(clips):
        assert clip.name == f"podcast_{k + 1:04d}" and clip.text == SAYS and clip.confidence > 0.9
        start, end = parse_audio_ref(clip.audio)[2]
        assert end - start <= 10.0  # cut at pauses: where a sentence starts and where one ends
        assert any(abs(start - a) <= 0.3 for a, _ in truth) and any(abs(end - b) <= 0.3 for _, b in truth)
        assert clip.transcript == f"{clip.audio}: transcribed by hf://{TRAINED}"
    unsure = segmentation.Settings(untranscribed="transcribe", recogniser=f"hf://{UNTRAINED}")
    made = segmentation.cut(Entry("podcast", "podcast.wav"), str(folder), str(tmp_path / "u"), unsure, voices=False)
    assert made[0].problem == "low_confidence" and all(r.problem == "low_confidence" for r in made[1:])
    assert "the recogniser's confidence 0.0" in made[1].detail


def test_the_workflow_transcribes_only_when_asked(hf_home, podcast, tmp_path):
    folder, _ = podcast
    inputs = tmp_path / "in"
    shutil.copytree(folder, inputs)
    for i in range(3):  # clips with their texts beside the untranscribed recording
        clip, _ = input_fixtures.chapter([SENTENCES[8 + i]], seed=i)
        soundfile.write(inputs / f"clip{i}.wav", clip, 16000, subtype="PCM_16")
        (inputs / f"clip{i}.txt").write_text(SENTENCES[8 + i] + "\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("quality: {speaker_outlier: {action: off}, max_rejected_fraction: 0.9}\n"
                      "segmentation: {untranscribed: transcribe, max_clip_seconds: 10.0}\n")  # fmt: skip
    proc = snakemake(tmp_path, "--until", "metadata", configfile=[DEMO_CONFIG, config], env=hf_home,
                     input_dir=inputs, dataset_name="pod")  # fmt: skip
    data = tmp_path / "data" / "pod"
    quality = {row["file"]: row for row in dataset.read_tsv(str(data / "quality.tsv"))}
    metadata = dict(dataset.read_metadata(str(data / "metadata.csv")))
    pieces = {f: row for f, row in quality.items() if f.startswith("podcast.wav#t=")}
    assert len(pieces) >= 2 and all(float(row["transcript_confidence"]) > 0.9 for row in pieces.values())
    assert metadata["wavs/podcast_0001.wav"] == SAYS
    assert quality["clip0.wav"]["transcript_confidence"] == ""  # a given text is not machine-made
    assert quality["podcast.wav"]["reason"].startswith("cut_into_clips: no text: ")
    assert "kept transcripts are machine-made" in proc.stderr
    # without the switch: missing_transcript, and no job transcribes
    config.write_text("quality: {speaker_outlier: {action: off}, max_rejected_fraction: 0.9}\n")
    proc = snakemake(tmp_path, "--until", "metadata", configfile=[DEMO_CONFIG, config], env=hf_home,
                     input_dir=inputs, dataset_name="pod")  # fmt: skip
    assert "segment_recording" not in [rule for rule, _ in planned_jobs(proc.stdout + proc.stderr)]
    quality = {row["file"]: row for row in dataset.read_tsv(str(data / "quality.tsv"))}
    assert quality["podcast.wav"]["reason"].startswith("missing_transcript: ")
    assert not any(f.startswith("podcast.wav#") for f in quality)


def test_a_folder_of_recordings_alone_is_planned_only_when_asked(podcast, tmp_path):
    """A podcast folder (no text at all) matches no layout, unless its recordings are to be
    transcribed: then it is the pairs layout, every recording missing_transcript until its unit
    marks it untranscribed."""
    from f5flow.planning import jobunits, layouts

    folder, _ = podcast
    with pytest.raises(layouts.InputDirError, match="matches no layout"):
        jobunits.plan(str(folder), "auto", 2000, 1, str(tmp_path / "units"))
    plan = jobunits.plan(str(folder), "auto", 2000, 1, str(tmp_path / "units"), {"transcribe": True})
    assert plan.layout.startswith("pairs") and plan.found == "1 recordings, 0 transcripts"
    (entry,) = jobunits.read_manifest(str(tmp_path / "units" / f"{plan.units[0]}.json"))
    assert (entry.audio, entry.problem) == ("podcast.wav", "missing_transcript")


def test_a_recogniser_that_cannot_be_had_stops_the_run_at_start(podcast, tmp_path):
    """Offline and not in the cache: the dry run says so, naming the key and the command, before
    stage 0 (not in the first transcribing job, minutes later)."""
    folder, _ = podcast
    config = tmp_path / "config.yaml"
    config.write_text("segmentation: {untranscribed: transcribe, recogniser: 'hf://nobody/no-whisper'}\n")
    env = {"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"}
    proc = snakemake(tmp_path, "-n", check=False, configfile=[DEMO_CONFIG, config], env=env,
                     input_dir=folder, dataset_name="pod")  # fmt: skip
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0, said
    assert "config key segmentation.recogniser: hf://nobody/no-whisper is not in the Hugging Face cache" in said
    assert "HF_HUB_OFFLINE is set" in said and "hf download nobody/no-whisper" in said
    assert "rule resample_unit" not in said
