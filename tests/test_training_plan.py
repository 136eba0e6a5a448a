"""The fine-tune's plan: GPUs, runs (resume, continue, restart), schedule; no training here."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from f5flow.training import TrainingError, hardware, runs, schedule


def test_visible_gpus_reads_the_driver_and_cuda_visible_devices(tmp_path):
    driver = tmp_path / "gpus"
    for bus in ("0000:01:00.0", "0000:41:00.0"):
        (driver / bus).mkdir(parents=True)
    assert hardware.visible_gpus({}, str(driver)) == 2
    assert hardware.visible_gpus({"CUDA_VISIBLE_DEVICES": "1"}, str(driver)) == 1
    assert hardware.visible_gpus({"CUDA_VISIBLE_DEVICES": ""}, str(driver)) == 0
    assert hardware.visible_gpus({}, str(tmp_path / "none")) == 0
    assert hardware.visible_gpus({"F5FLOW_GPU_COUNT": "4"}, str(tmp_path / "none")) == 4


def test_gpus_the_machine_lacks_name_the_key_and_the_cpu_way():
    hardware.check_gpus(0, 0)
    hardware.check_gpus(2, 2)
    with pytest.raises(TrainingError, match="finetune.gpus: 2 GPU.*no GPU") as err:
        hardware.check_gpus(2, 0)
    assert "finetune.gpus: 0 to train on the CPU on purpose" in str(err.value)
    with pytest.raises(TrainingError, match="has 1 GPU"):
        hardware.check_gpus(2, 1)


@pytest.mark.parametrize(
    ("train_gpus", "job_gpus", "cuda", "expected"),
    [(0, 0, 0, 0), (0, 1, 1, 0), (1, 1, 4, 1), (2, 2, 4, 2), (1, 1, 0, None), (2, 1, 1, 1), (1, 0, 1, None)],
)
def test_processes_are_the_gpus_asked_never_more(train_gpus, job_gpus, cuda, expected):
    if expected is None:
        with pytest.raises(TrainingError):
            hardware.processes(train_gpus, job_gpus, cuda)
    else:
        assert hardware.processes(train_gpus, job_gpus, cuda) == expected


TRAIN = {"exp_name": "x", "learning_rate": 1e-3, "batch_size_per_gpu": 1200, "batch_size_type": "frame",
         "max_samples": 8, "grad_accumulation_steps": 1, "max_grad_norm": 1.0, "num_warmup_updates": None,
         "warmup_fraction": 0.05, "bnb_optimizer": False, "epochs": 12}


def finished_run(folder, data="d1", epochs=12, status="finished"):
    (folder / "model_last.pt").write_bytes(b"x")
    run = runs.Run(1, "first", epochs, epochs, epochs, data, runs.settings_fingerprint(TRAIN), status=status)
    runs.write_state(str(folder), run)


def test_first_run(tmp_path):
    run = runs.plan(str(tmp_path), "d1", TRAIN, "continue")
    assert (run.kind, run.epochs, run.number) == ("first", 12, 1)


def test_interrupted_run_resumes(tmp_path):
    finished_run(tmp_path, status="running")
    assert runs.plan(str(tmp_path), "d1", TRAIN, "continue").kind == "resume"
    assert runs.plan(str(tmp_path), "d1", TRAIN, "restart").kind == "resume"


def test_new_data_continues_from_the_last_weights_for_all_epochs(tmp_path):
    finished_run(tmp_path)
    run = runs.plan(str(tmp_path), "d2", TRAIN, "continue")
    assert (run.kind, run.epochs, run.start_weights) == ("continue", 12, "previous/run_1/model_last.pt")


def test_raised_epochs_train_the_missing_ones(tmp_path):
    finished_run(tmp_path)
    run = runs.plan(str(tmp_path), "d1", {**TRAIN, "epochs": 15}, "continue")
    assert (run.kind, run.epochs, run.epochs_on_data) == ("continue", 3, 15)


def test_nothing_left_to_train_is_an_error_saying_what_to_set(tmp_path):
    finished_run(tmp_path)
    with pytest.raises(TrainingError, match="nothing to train.*Raise finetune.epochs.*resume: restart"):
        runs.plan(str(tmp_path), "d1", {**TRAIN, "learning_rate": 5e-4}, "continue")


def test_the_same_finished_run_again_is_already_trained(tmp_path):
    finished_run(tmp_path)
    run = runs.plan(str(tmp_path), "d1", TRAIN, "continue")  # a touch, a checkout: same content
    assert (run.kind, run.number) == ("trained", 1)
    assert runs.already_trained(run).startswith("already trained: run 1")
    assert runs.plan(str(tmp_path), "d1", TRAIN, "restart").kind == "restart"  # asked to train again


def test_the_data_fingerprint_is_the_rows_not_where_the_project_is(tmp_path):
    from f5flow import trainset

    def fingerprint(folder, texts):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "vocab.txt").write_text("a\nb\n", encoding="utf-8")
        rows = [(f"wavs/c{i}.wav", t) for i, t in enumerate(texts)]
        names = [f"c{i}" for i in range(len(texts))]
        trainset.write(rows, names, {n: 1.5 for n in names}, str(folder), str(folder / "raw.arrow"),
                       str(folder / "duration.json"))  # fmt: skip
        return runs.data_fingerprint(str(folder / "raw.arrow"), str(folder / "vocab.txt"))

    texts = ["xin chào các bạn", "một hai ba bốn"]
    here, moved = fingerprint(tmp_path / "a" / "data", texts), fingerprint(tmp_path / "b" / "data", texts)
    assert here == moved  # raw.arrow's absolute paths differ, the data does not
    assert fingerprint(tmp_path / "c" / "data", ["xin chào các bạn", "một hai ba năm"]) != here


def test_a_run_recorded_by_an_older_f5flow_is_the_same_data(tmp_path):
    finished_run(tmp_path, data="sha-of-the-files")  # before 2026-12: raw.arrow's bytes
    run = runs.plan(str(tmp_path), "d1", TRAIN, "continue", recorded_as=lambda: "sha-of-the-files")
    assert run.kind == "trained"
    run = runs.plan(str(tmp_path), "d1", TRAIN, "continue", recorded_as=lambda: "other")
    assert run.kind == "continue"


def test_changed_data_during_an_interrupted_run_starts_a_new_run(tmp_path):
    finished_run(tmp_path, status="running")
    run = runs.plan(str(tmp_path), "d2", TRAIN, "continue")
    assert (run.kind, run.number, run.epochs) == ("continue", 2, 12)


def test_the_dry_run_says_what_the_fine_tune_will_do(tmp_path):
    train = {**TRAIN, "resume": "continue"}
    assert "a new run from the extended pretrained checkpoint" in runs.forecast(str(tmp_path), train)
    finished_run(tmp_path)
    assert "run 1 finished" in runs.forecast(str(tmp_path), train)
    assert "already trained" in runs.forecast(str(tmp_path), train)
    assert "changed: a new run (continue)" in runs.forecast(str(tmp_path), {**train, "epochs": 20})
    finished_run(tmp_path, status="running")
    assert "run 1 was interrupted" in runs.forecast(str(tmp_path), train)


def test_restart_trains_from_the_pretrained_checkpoint(tmp_path):
    finished_run(tmp_path)
    run = runs.plan(str(tmp_path), "d1", TRAIN, "restart")
    assert (run.kind, run.epochs, run.start_weights) == ("restart", 12, None)


def test_a_new_run_moves_the_previous_one_aside(tmp_path):
    finished_run(tmp_path)
    (tmp_path / "model_30.pt").write_bytes(b"x")
    (tmp_path / "runs" / "x").mkdir(parents=True)
    run = runs.plan(str(tmp_path), "d2", TRAIN, "continue")
    runs.start(str(tmp_path), run)
    archive = tmp_path / "previous" / "run_1"
    assert sorted(p.name for p in archive.iterdir()) == ["finetune_run.json", "model_30.pt", "model_last.pt", "runs"]
    assert not list(tmp_path.glob("model_*.pt"))
    assert json.loads((tmp_path / runs.STATE).read_text())["number"] == 2


def test_warmup_is_a_fraction_of_the_run_unless_given():
    assert schedule.warmup_updates(TRAIN, 1000, 1) == 50
    assert schedule.warmup_updates(TRAIN, 1000, 2) == 25  # upstream multiplies it by the processes
    assert schedule.warmup_updates(TRAIN, 10, 1) == 1
    assert schedule.warmup_updates({**TRAIN, "num_warmup_updates": 7}, 1000, 1) == 7


def test_planned_updates_follow_upstreams_sampler():
    # 10 clips of 3.2 s = 300 frames each: 4 fit in 1200 frames -> 3 batches per epoch
    assert schedule.planned_updates([3.2] * 10, TRAIN, epochs=12) == 36
    assert schedule.planned_updates([3.2] * 10, {**TRAIN, "grad_accumulation_steps": 2}, epochs=12) == 24


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([0.3, 1.0, 2.56, 3.2, 7.5, 12.8, 30.0]) | st.floats(0.0, 40.0), max_size=60),
    st.sampled_from([300, 1200, 3000]),
    st.sampled_from([0, 1, 3, 64]),
)
def test_the_batch_count_is_upstreams_sampler_length(durations, threshold, max_samples):
    # upstream's real sampler over a dataset of these durations: ties, clips over the threshold
    # (left out), max_samples full before the frames are, an empty set
    from f5_tts.model.dataset import DynamicBatchSampler
    from torch.utils.data import SequentialSampler

    class Frames:
        def __len__(self):
            return len(durations)

        def get_frame_len(self, index):  # as upstream's CustomDataset computes it
            return durations[index] * 24000 / 256

    upstream = DynamicBatchSampler(SequentialSampler(Frames()), threshold, max_samples=max_samples,
                                   random_seed=schedule.RESUMABLE_SEED, drop_residual=False)  # fmt: skip
    assert schedule.dynamic_batch_count(durations, threshold, max_samples) == len(upstream)


def test_checkpoints_of_an_unrecorded_run_are_a_previous_run(tmp_path):
    (tmp_path / "model_last.pt").write_bytes(b"x")  # e.g. from before runs were recorded
    run = runs.plan(str(tmp_path), "d1", TRAIN, "continue")
    assert (run.kind, run.number, run.epochs, run.start_weights) == ("continue", 1, 12, "previous/run_0/model_last.pt")
    runs.start(str(tmp_path), run)
    assert (tmp_path / "previous" / "run_0" / "model_last.pt").exists()
    assert runs.plan(str(tmp_path / "none"), "d1", TRAIN, "restart").kind == "first"


def test_the_epochs_batches_are_computed_again_only_when_what_they_depend_on_changed(tmp_path, monkeypatch):
    durations, cache = tmp_path / "duration.json", str(tmp_path / "work" / "epoch_batches.json")
    durations.write_text(json.dumps({"duration": [3.2] * 10}))
    assert schedule.cached_epoch_batches(str(durations), TRAIN, cache) == (10, 3)
    counted = []
    real = schedule.epoch_batches
    monkeypatch.setattr(schedule, "epoch_batches", lambda d, t: counted.append(len(d)) or real(d, t))
    assert schedule.cached_epoch_batches(str(durations), TRAIN, cache) == (10, 3)
    assert counted == []  # from the cache
    assert schedule.cached_epoch_batches(str(durations), {**TRAIN, "batch_size_per_gpu": 2400}, cache) == (10, 2)
    durations.write_text(json.dumps({"duration": [3.2] * 12}))  # new features
    assert schedule.cached_epoch_batches(str(durations), {**TRAIN, "batch_size_per_gpu": 2400}, cache) == (12, 2)
    assert counted == [10, 12]
    with open(cache, "w") as f:
        f.write("{torn")  # a killed write: computed again
    assert schedule.cached_epoch_batches(str(durations), TRAIN, cache) == (12, 3)
