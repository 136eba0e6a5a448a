"""raw.arrow + duration.json as upstream's loader reads them; the launcher and schedule checks."""

import json

import pytest

from f5flow import dataset, hub, trainset
from f5flow.records import ClipRecord
from f5flow.training import TrainingError, launch
from f5flow.training.schedule import check_schedule

from conftest import write_wav


def make_dataset(tmp_path, texts):
    (tmp_path / "wavs").mkdir()
    records = []
    for i, text in enumerate(texts):
        name = f"clip {i}"
        write_wav(tmp_path / "wavs" / f"{name}.wav", seconds=1.0 + i, rate=24000)
        records.append(ClipRecord(name=name, file=f"{name}.wav", duration=1.0 + i, text=text))
    result = dataset.Dataset([dataset.Row(r) for r in records])
    dataset.write_metadata(str(tmp_path / "metadata.csv"), result)
    return records


def test_features_load_with_upstream_custom_dataset(tmp_path):
    from datasets import Dataset
    from f5_tts.model.dataset import CustomDataset

    from f5flow.model import MEL_SPEC

    texts = ["trường học", "xin chào các bạn", "ỹ ẩ"]
    records = make_dataset(tmp_path, texts)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(c + "\n" for c in sorted(set("".join(texts)))), encoding="utf-8")
    arrow, durations = tmp_path / "raw.arrow", tmp_path / "duration.json"
    n, _ = trainset.build(str(tmp_path / "metadata.csv"), trainset.durations_of(records), str(vocab), str(arrow), str(durations))
    assert n == 3

    rows = Dataset.from_file(str(arrow))
    assert set(rows.column_names) == {"audio_path", "text", "duration"}
    assert rows[0]["audio_path"] == str(tmp_path / "wavs" / "clip 0.wav")
    assert rows[0]["text"] == list("trường học")  # no space injected inside the word
    assert json.loads(durations.read_text())["duration"] == [1.0, 2.0, 3.0]

    loaded = CustomDataset(rows, durations=json.loads(durations.read_text())["duration"], **MEL_SPEC)
    for i in range(len(rows)):
        item = loaded[i]
        frames = round((1.0 + i) * 24000 / 256)
        assert item["mel_spec"].shape[0] == 100 and abs(item["mel_spec"].shape[1] - frames) <= 1
        assert item["text"] == list(texts[i])


def test_character_missing_from_vocab_names_file_line_and_fix(tmp_path):
    records = make_dataset(tmp_path, ["xin chào", "bạn ỹ"])
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(c + "\n" for c in sorted(set("xin chào bạn"))), encoding="utf-8")
    with pytest.raises(trainset.TrainsetError) as err:
        trainset.build(str(tmp_path / "metadata.csv"), trainset.durations_of(records), str(vocab), str(tmp_path / "a"), str(tmp_path / "d"))
    message = str(err.value)
    assert "metadata.csv line 3" in message and "U+1EF9" in message and "snakemake vocab" in message
    assert not (tmp_path / "a").exists()


def test_empty_metadata_is_refused(tmp_path):
    make_dataset(tmp_path, [])
    with pytest.raises(trainset.TrainsetError, match="no rows"):
        trainset.build(str(tmp_path / "metadata.csv"), {}, str(tmp_path / "v"), str(tmp_path / "a"), str(tmp_path / "d"))


@pytest.mark.parametrize(
    ("gpus", "expected"),
    [(0, ["--cpu", "--num_processes", "1"]), (1, ["--num_processes", "1"]), (4, ["--num_processes", "4", "--multi_gpu"])],
)
def test_accelerate_command_follows_gpu_count(gpus, expected):
    cmd = launch.accelerate_command(gpus, "bf16", "s.json")
    assert cmd[-3:] == ["-m", "f5flow.training.trainer", "s.json"]
    joined = " ".join(cmd)
    assert " ".join(expected) in joined
    assert ("--mixed_precision no" in joined) == (gpus == 0)
    assert ("--multi_gpu" in cmd) == (gpus > 1)


def test_schedule_guard():
    check_schedule(total_updates=60, num_warmup_updates=2, num_processes=1)
    with pytest.raises(TrainingError, match="num_warmup_updates"):
        check_schedule(total_updates=60, num_warmup_updates=60, num_processes=1)  # upstream: ZeroDivisionError
    with pytest.raises(TrainingError, match="num_warmup_updates"):
        check_schedule(total_updates=60, num_warmup_updates=20000, num_processes=1)
    with pytest.raises(TrainingError, match="num_warmup_updates"):
        check_schedule(total_updates=60, num_warmup_updates=30, num_processes=2)


def test_hub_names():
    assert hub.parse("hf://SWivid/F5-TTS/F5TTS_v1_Base/model_1250000.safetensors") == (
        "SWivid/F5-TTS",
        "F5TTS_v1_Base/model_1250000.safetensors",
    )
    with pytest.raises(hub.HubError):
        hub.parse("hf://SWivid/F5-TTS")


def test_hub_fetch_offline_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(hub.HubError, match="hf download SWivid/F5-TTS"):
        hub.fetch("hf://SWivid/F5-TTS/F5TTS_v1_Base/model_1250000.safetensors")


def test_validation_split_is_stable_when_clips_are_added():
    split = trainset.ValidationSplit(fraction=0.1, min_clips=5, max_clips=1000)
    names = [f"clip_{i:04d}" for i in range(500)]
    held, note = trainset.choose_validation(names, split)
    assert 30 <= len(held) <= 70 and "held out" in note  # about a tenth
    more, _ = trainset.choose_validation(names + [f"new_{i}" for i in range(300)], split)
    # adding clips moves no clip between the sets: the old held-out clips stay held out, and
    # no clip that trained becomes a validation clip
    assert set(more) & set(names) == set(held)
    capped, _ = trainset.choose_validation(names, trainset.ValidationSplit(0.1, 5, 10))
    assert len(capped) == 10 and set(capped) <= set(held)


def test_tiny_dataset_gets_no_validation_split_and_says_so(tmp_path):
    records = make_dataset(tmp_path, ["một hai ba", "bốn năm sáu", "bảy tám chín"])
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(c + "\n" for c in sorted(set("một hai ba bốn năm sáu bảy tám chín"))), encoding="utf-8")
    paths = [str(tmp_path / n) for n in ("raw.arrow", "duration.json", "validation.json")]
    n, note = trainset.build(str(tmp_path / "metadata.csv"), trainset.durations_of(records), str(vocab), *paths,
                             trainset.ValidationSplit(fraction=0.5, min_clips=10))  # fmt: skip
    assert n == 3 and note.startswith("no validation split") and "validation.min_clips (10)" in note
    assert trainset.read_validation(paths[2]) == {"split": {"fraction": 0.5, "min_clips": 10, "max_clips": 200},
                                                  "note": note, "clips": []}  # fmt: skip


def test_validation_batches_respect_the_training_batch_size():
    from f5flow.training.validation import batches

    lengths = [500, 100, 300, 900, 200, 1300]
    grouped = batches(lengths, limit=1000, max_samples=2, by_frames=True)
    assert sorted(i for group in grouped for i in group) == list(range(6))
    # shortest first, each within 1000 frames and 2 clips (a clip longer than the limit alone)
    assert grouped == [[1, 4], [2, 0], [3], [5]]
    assert batches(lengths, limit=4, max_samples=3, by_frames=False) == [[1, 4, 2], [0, 3, 5]]


def test_a_fine_tune_without_held_out_clips_says_why(tmp_path):
    from f5flow import summary
    from f5flow.training import settings

    note = "no validation split: 1 of 30 clips fall in validation.fraction 0.02, fewer than ..."
    (tmp_path / "validation.json").write_text(json.dumps({"split": {}, "note": note, "clips": []}))
    outcome = settings.validation_outcome({"checkpoint_dir": str(tmp_path), "validation": str(tmp_path / "validation.json")}, 0)
    assert outcome == {"validation_loss": None, "best_checkpoint": None, "validation_note": note}
    assert summary.validation_line(outcome) == f"validation loss: none ({note})"


def test_raw_arrow_in_batches_holds_what_one_inferred_batch_holds(tmp_path, monkeypatch):
    from datasets import Dataset
    from datasets.arrow_writer import ArrowWriter

    texts = ["trường học", "xin chào các bạn", "ỹ ẩ", "một hai ba", "bốn"]
    records = make_dataset(tmp_path, texts)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(c + "\n" for c in sorted(set("".join(texts)))), encoding="utf-8")
    monkeypatch.setattr(trainset, "WRITE_BATCH_ROWS", 2)  # 3 batches
    arrow = tmp_path / "raw.arrow"
    trainset.build(str(tmp_path / "metadata.csv"), trainset.durations_of(records), str(vocab), str(arrow),
                   str(tmp_path / "duration.json"))  # fmt: skip
    rows = dataset.read_metadata(str(tmp_path / "metadata.csv"))
    names = [r[0][len("wavs/"):-len(".wav")] for r in rows]
    inferred = tmp_path / "inferred.arrow"
    with ArrowWriter(path=str(inferred)) as writer:  # the types left to the writer, one batch
        writer.write_batch(trainset.build_columns(rows, names, trainset.durations_of(records), str(tmp_path)))
        writer.finalize()
    ours, theirs = Dataset.from_file(str(arrow)), Dataset.from_file(str(inferred))
    assert ours.features == theirs.features and ours.to_dict() == theirs.to_dict()
    assert len(ours) == 5
