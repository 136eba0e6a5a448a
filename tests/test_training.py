"""Stages 3-5 through the real workflow: extended checkpoint, features, CPU fine-tune, resume."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess

import pytest
import torch

from f5flow import trainset, vocabulary, weights
from devtools.dryrun import planned_jobs
from f5flow.training import runs, validation
from f5flow.training.losses import losses as logged_losses
from f5flow.training.trainer import HISTORY
from f5flow.weights import EMBED_KEY

from conftest import (
    DEMO_CONFIG, REPO, assert_trained_every_update_once, copy_of_demo_run, hf_cache, logged_updates, snakemake,
    snakemake_command, wait_for_saved_update,
)

pytestmark = pytest.mark.workflow

PRETRAINED_VOCAB = vocabulary.resolve("pkg://f5_tts/infer/examples/vocab.txt")


def test_extended_checkpoint_rows(demo_run):
    tiny = weights.load(str(demo_run / "work" / "tiny_model" / "model_tiny.safetensors"))
    extended = weights.load(str(demo_run / "ckpts" / "demo" / "pretrained_model_tiny.safetensors"))
    lines = vocabulary.read_lines(str(demo_run / "data" / "demo" / "vocab.txt"))
    old, new = tiny.ema[EMBED_KEY], extended.ema[EMBED_KEY]
    assert old.shape[0] == 2545 + 1 and new.shape[0] == len(lines) + 1
    assert torch.equal(new[: old.shape[0]], old)
    torch.manual_seed(666)
    assert torch.equal(new[old.shape[0] :], torch.randn(len(lines) - 2545, old.shape[1]))


def test_upstream_custom_dataset_reads_every_row(demo_run):
    from datasets import Dataset
    from f5_tts.model.dataset import CustomDataset

    from f5flow.model import MEL_SPEC

    data = demo_run / "data" / "demo"
    rows = Dataset.from_file(str(data / "raw.arrow"))
    durations = json.loads((data / "duration.json").read_text())["duration"]
    metadata = (data / "metadata.csv").read_text(encoding="utf-8").splitlines()[1:]
    held_out = trainset.read_validation(str(data / "validation.json"))["clips"]
    # the demo's validation.fraction 0.1 holds out 4 of the 21 kept clips; they never train
    assert len(metadata) == 21 and len(held_out) == 4
    assert len(rows) == len(durations) == 17
    trained = [line for line in metadata if line.split("|")[0] not in {c["audio_file"] for c in held_out}]
    loaded = CustomDataset(rows, durations=durations, **MEL_SPEC)
    for i in range(len(rows)):
        mel = loaded[i]["mel_spec"]
        assert mel.shape[0] == 100
        assert abs(mel.shape[1] - durations[i] * 24000 / 256) <= 1
        assert "".join(rows[i]["text"]) == trained[i].split("|", 1)[1]
        assert rows[i]["audio_path"] == str(data / trained[i].split("|")[0])
    for clip in held_out:
        text = next(line.split("|", 1)[1] for line in metadata if line.startswith(clip["audio_file"] + "|"))
        assert "".join(clip["text"]) == text and clip["audio_path"] == str(data / clip["audio_file"])


def test_validation_loss_names_the_best_checkpoint(demo_run):
    from types import SimpleNamespace

    from accelerate import Accelerator
    from ema_pytorch import EMA

    ckpts = demo_run / "ckpts" / "demo"
    done = json.loads((ckpts / "finetune_complete.json").read_text())
    measured = done["validation_loss"]
    print("validation:", {k: measured[k] for k in ("best", "best_update", "last", "clips")})
    # measured at the saved model_30.pt and at the end (60), on the 4 held-out clips
    assert [e["update"] for e in measured["evaluations"]] == [30, 60] and measured["clips"] == 4
    best = min(measured["evaluations"], key=lambda e: e["loss"])
    assert (measured["best"], measured["best_update"]) == (best["loss"], best["update"])
    assert done["best_checkpoint"] == str(ckpts / "best_model.pt")
    state = torch.load(done["best_checkpoint"], map_location="cpu", weights_only=True)
    assert state["update"] == best["update"] and state["validation_loss"] == best["loss"]
    assert "validation loss: best " in (demo_run / "console.txt").read_text(encoding="utf-8")

    # the recorded value is the loss of the kept weights, and measuring it again gives it again
    # (seeded), leaving the training's random state as it was
    card = json.loads((ckpts / "inference.json").read_text())
    lines = vocabulary.read_lines(card["vocab_file"])
    from f5flow.model import MEL_SPEC, build_model

    model = build_model(card["model"]["backbone"], card["model"]["arch"], len(lines),
                        {ch: i for i, ch in enumerate(lines)})  # fmt: skip
    ema = EMA(model, include_online_model=False)
    ema.load_state_dict(state["ema_model_state_dict"])
    trainer = SimpleNamespace(ema_model=ema, accelerator=Accelerator(cpu=True))
    clips = trainset.read_validation(str(demo_run / "data" / "demo" / "validation.json"))["clips"]
    train = json.loads((demo_run / "work" / "demo" / "finetune_settings.json").read_text())["train"]
    validator = validation.Validator(trainer, clips, MEL_SPEC, train, str(ckpts))
    torch.manual_seed(1)
    before = torch.get_rng_state()
    assert validator.loss() == pytest.approx(best["loss"], rel=1e-5)
    assert torch.equal(torch.get_rng_state(), before)


def test_finetune_learns_and_inference_loads_it(demo_run):
    ckpts = demo_run / "ckpts" / "demo"
    done = json.loads((ckpts / "finetune_complete.json").read_text())
    losses = [loss for _, loss in logged_losses(str(ckpts), "F5flow_Tiny")]
    print(f"updates {done['finished_at_update']}, loss first 10 mean {sum(losses[:10]) / 10:.2f}, "
          f"last 10 mean {sum(losses[-10:]) / 10:.2f}")
    assert (done["run"], done["run_kind"], done["started_at_update"]) == (1, "first", 0)
    assert done["finished_at_update"] == done["planned_updates"] == done["updates_trained"] == 60
    assert len(losses) == 60 and sum(losses[-10:]) / 10 < sum(losses[:10]) / 10
    assert done["loss"]["first_updates_mean"] == pytest.approx(sum(losses[:10]) / 10)
    # linear warm-up over 2 updates to finetune.learning_rate, then linear decay to ~0
    assert done["learning_rate"]["max"] == pytest.approx(1e-3)
    assert done["learning_rate"]["last"] < 1e-6
    data = demo_run / "data" / "demo"
    assert done["data"]["sha256"] == runs.data_fingerprint(str(data / "raw.arrow"), str(data / "vocab.txt"))

    from f5_tts.infer.utils_infer import load_model
    from f5_tts.model import DiT

    card = json.loads((ckpts / "inference.json").read_text())
    assert card["vocab_sha256"] == vocabulary.sha256(str(demo_run / "data" / "demo" / "vocab.txt"))
    assert card["tokenisation"]["convert_char_to_pinyin"] is False
    model = load_model(DiT, card["model"]["arch"], str(ckpts / "model_last.pt"),
                       vocab_file=card["vocab_file"], device="cpu")
    assert model.transformer.text_embed.text_embed.weight.shape[0] == card["vocab_lines"] + 1
    assert model.vocab_char_map["ỹ"] == card["vocab_lines"] - 1


def test_killed_finetune_resumes_from_saved_update(tmp_path, demo_run):
    config = copy_of_demo_run(demo_run, tmp_path, trained=False)  # stages 0-4 done
    log = tmp_path / "logs" / "demo" / "finetune_model.log"
    cmd = snakemake_command(tmp_path, "finetune", **config)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    saved = wait_for_saved_update(log, proc, at_least=15)
    # Ctrl-C in a terminal: SIGINT to the whole process group (Snakemake, accelerate, trainer).
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)
    assert saved and saved[-1] < 60, f"training was not caught midway: saved {saved}"

    snakemake(tmp_path, "finetune", "--rerun-incomplete", **config)
    ckpts = tmp_path / "ckpts" / "demo"
    history = (ckpts / HISTORY).read_text()
    signalled = history.find("SIGINT: saving model_last.pt after this update")
    stopped = re.search(r"saved model_last.pt at update (\d+); stopping", history[max(signalled, 0):])
    resumed = re.search(r"resuming from model_last.pt at update (\d+)", history)
    print(f"killed after update {saved[-1]}; {stopped and stopped.group(0)}; {resumed and resumed.group(0)}")
    # the resume point is the update saved on the signal, not the last periodic save
    assert signalled >= 0 and stopped and resumed and resumed.group(1) == stopped.group(1)
    assert int(stopped.group(1)) >= 15
    done = assert_trained_every_update_once(ckpts)
    assert (done["run_kind"], done["started_at_update"]) == ("resume", int(stopped.group(1)))
    assert done["updates_trained"] == 60 - int(stopped.group(1))


def run_processes(proc, workdir) -> list[str]:
    """Processes of a workflow started in its own session, or naming its project, still alive."""
    import psutil

    left = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        try:
            in_session = os.getsid(p.pid) == proc.pid
        except OSError:
            continue
        if in_session or str(workdir) in " ".join(p.info["cmdline"] or []):
            left.append(" ".join(p.info["cmdline"] or []))
    return left


# SIGINT: a terminal's, a tmux's or an IDE's stop sent to Snakemake's pid; SIGTERM: kill, a job
# manager, systemd
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_to_snakemake_alone_saves_and_the_plain_command_resumes(tmp_path, demo_run, stop):
    config = copy_of_demo_run(demo_run, tmp_path, trained=False)  # stages 0-4 done
    log = tmp_path / "logs" / "demo" / "finetune_model.log"
    # its own session, SIGINT's default disposition (pytest's): as a terminal's, a tmux's or an
    # IDE's Snakemake, which is then sent the signal alone
    proc = subprocess.Popen(snakemake_command(tmp_path, "finetune", **config), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    saved = wait_for_saved_update(log, proc, at_least=15)
    os.kill(proc.pid, stop)  # Snakemake alone: the trainer gets nothing from the terminal
    proc.wait(timeout=120)
    assert saved and saved[-1] < 60, f"training was not caught midway: saved {saved}"
    history = (tmp_path / "ckpts" / "demo" / HISTORY).read_text()
    stopped = re.search(r"saved model_last.pt at update (\d+); stopping", history)
    assert stopped, history[-2000:]
    assert run_processes(proc, tmp_path) == []  # no trainer training on as an orphan

    again = snakemake(tmp_path, "finetune", **config)  # the plain command
    assert f"resuming run 1 at update {stopped.group(1)} of 60" in again.stderr
    done = assert_trained_every_update_once(tmp_path / "ckpts" / "demo")
    assert (done["run_kind"], done["started_at_update"]) == ("resume", int(stopped.group(1)))
    assert "(run 1, resumed, update 60 of 60)" in again.stderr  # the end-of-run summary


def test_kill_9_of_snakemake_stops_the_training_it_started(tmp_path, demo_run):
    import time

    config = copy_of_demo_run(demo_run, tmp_path, trained=False)
    log = tmp_path / "logs" / "demo" / "finetune_model.log"
    proc = subprocess.Popen(snakemake_command(tmp_path, "finetune", **config), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    saved = wait_for_saved_update(log, proc, at_least=15)
    os.kill(proc.pid, signal.SIGKILL)  # no handler runs: the job notices its Snakemake is gone
    proc.wait(timeout=30)
    assert saved and saved[-1] < 60, f"training was not caught midway: saved {saved}"
    deadline = time.monotonic() + 60
    while run_processes(proc, tmp_path) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert run_processes(proc, tmp_path) == []
    history = (tmp_path / "ckpts" / "demo" / HISTORY).read_text()
    stopped = re.search(r"saved model_last.pt at update (\d+); stopping", history)
    assert "SIGTERM: saving model_last.pt" in history and stopped, history[-2000:]
    again = snakemake(tmp_path, "finetune", **config)  # the plain command: lock recovered, resumed
    assert f"resuming run 1 at update {stopped.group(1)} of 60" in again.stderr
    assert_trained_every_update_once(tmp_path / "ckpts" / "demo")


def test_touched_transcripts_train_nothing_and_succeed(tmp_path, demo_run):
    import hashlib

    config = copy_of_demo_run(demo_run, tmp_path)  # the finished demo: run 1, 60 updates
    ckpts = tmp_path / "ckpts" / "demo"

    def model_files():
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(ckpts.glob("*.pt"))}

    before = model_files()
    for transcript in config["input_dir"].glob("*.txt"):
        os.utime(transcript)  # an editor's save without edits, a checkout, an rsync
    dry = snakemake(tmp_path, "-n", **config)
    assert "fine-tune: run 1 finished (update 60); if the rebuilt training data is the same, the job ends at once" in dry.stderr
    first = snakemake(tmp_path, **config)
    second = snakemake(tmp_path, **config)
    assert "already trained: run 1, update 60" in first.stderr
    assert "Nothing to be done" in second.stdout + second.stderr
    assert model_files() == before and len(before) >= 2
    assert logged_updates(ckpts) == list(range(1, 61))  # no update trained again
    done = json.loads((ckpts / "finetune_complete.json").read_text())
    assert (done["run"], done["run_kind"], done["updates_trained"]) == (1, "trained", 0)
    assert "(run 1, already trained, nothing trained now, update 60 of 60)" in first.stderr


def test_mismatched_vocab_and_checkpoint_stop_before_training(tmp_path, demo_copy):
    ckpt = tmp_path / "downloaded" / "model_1000.safetensors"
    ckpt.parent.mkdir()
    weights.build_tiny(str(ckpt), 2545, "DiT", {"dim": 16, "depth": 1, "heads": 2, "text_dim": 8})
    short_vocab = tmp_path / "other_vocab.txt"
    vocabulary.write_lines(str(short_vocab), vocabulary.read_lines(PRETRAINED_VOCAB)[:2000])
    proc = snakemake(tmp_path, "finetune", "--show-failed-logs", check=False, input_dir=demo_copy,
                     dataset_name="demo", pretrained_checkpoint=ckpt, pretrained_vocab=short_vocab)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "2546 rows but the pretrained vocab has 2000 lines" in output
    assert "set pretrained_vocab to the vocab this checkpoint was trained with" in output
    assert "Traceback" not in (tmp_path / "logs" / "demo" / "extend_checkpoint.log").read_text()
    assert not (tmp_path / "ckpts" / "demo" / "model_last.pt").exists()


def test_character_missing_from_vocab_stops_before_training(tmp_path, demo_run):
    config = copy_of_demo_run(demo_run, tmp_path, trained=False)
    metadata = tmp_path / "data" / "demo" / "metadata.csv"
    with open(metadata, "a", encoding="utf-8") as f:
        f.write("wavs/vi_001.wav|chữ Ỹ lạ\n")  # upper-case Ỹ: in neither vocab
    proc = snakemake(tmp_path, "finetune", check=False, **config)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"{os.path.join('data', 'demo', 'metadata.csv')} line 23 (wavs/vi_001.wav)" in output
    assert "U+1EF8" in output and "snakemake vocab" in output
    # said once, as the last lines, after Snakemake's block (failed job, log, hints)
    assert output.count("line 23 (wavs/vi_001.wav)") == 1
    before, _, last = proc.stderr.rpartition("f5flow: the run stopped because of\n")
    assert "Exiting because a job execution failed" in before and re.match(r"\w+: ", last)
    assert "U+1EF8" in last and "Complete log" not in last and "Snakemake" not in last
    assert not (tmp_path / "ckpts" / "demo" / "model_last.pt").exists()


def test_fixed_data_and_raised_epochs_train_new_runs(tmp_path, demo_run):
    config = copy_of_demo_run(demo_run, tmp_path)  # the finished demo: run 1
    demo_copy = config["input_dir"]
    ckpts = tmp_path / "ckpts" / "demo"

    def done():
        return json.loads((ckpts / "finetune_complete.json").read_text())

    first = done()
    # the user fixes a transcript and re-runs; the fix drops characters only it had, so the vocab
    # changes too and the last weights are remapped to it
    (demo_copy / "vi_007.txt").write_text((demo_copy / "vi_001.txt").read_text(encoding="utf-8"), encoding="utf-8")
    proc = snakemake(tmp_path, "finetune", **config)
    assert "rows are remapped by character" in proc.stdout + proc.stderr
    second = done()
    print("after the fix:", {k: second[k] for k in ("run_kind", "updates_trained", "learning_rate")})
    assert second["data"]["sha256"] != first["data"]["sha256"]
    assert (second["run"], second["run_kind"], second["started_at_update"]) == (2, "continue", 0)
    assert second["updates_trained"] == 60
    assert second["learning_rate"]["max"] >= 0.1 * 1e-3  # a fresh schedule, not the finished one
    assert (ckpts / "previous" / "run_1" / "model_last.pt").exists()
    # run 1's validation record and best weights moved aside with it; run 2 measured its own
    assert (ckpts / "previous" / "run_1" / "best_model.pt").exists()
    assert [e["update"] for e in second["validation_loss"]["evaluations"]] == [30, 60]
    history = (ckpts / HISTORY).read_text()
    assert "started from the weights of" in history and "previous/run_1/model_last_remapped.pt" in history

    # training longer on the same data: the two added epochs, with a schedule of their own
    more = tmp_path / "more.yaml"
    more.write_text("finetune:\n  epochs: 17\n")
    snakemake(tmp_path, "finetune", configfile=(DEMO_CONFIG, more), **config)
    third = done()
    print("after epochs 15 -> 17:", {k: third[k] for k in ("run_kind", "epochs", "updates_trained", "learning_rate")})
    assert (third["run_kind"], third["epochs"], third["updates_trained"]) == ("continue", 2, 8)
    assert third["learning_rate"]["max"] >= 0.1 * 1e-3

    # the same again (forced): already trained, nothing trained, success
    proc = snakemake(tmp_path, "finetune", "--forcerun", "finetune_model", configfile=(DEMO_CONFIG, more), **config)
    assert "already trained: run 3, update" in proc.stderr
    assert (done()["run"], done()["run_kind"], done()["updates_trained"]) == (3, "trained", 0)
    # another learning rate on data trained for these epochs: training asked for cannot happen
    other_rate = tmp_path / "other_rate.yaml"
    other_rate.write_text("finetune:\n  epochs: 17\n  learning_rate: 0.0005\n")
    proc = snakemake(tmp_path, "finetune", configfile=(DEMO_CONFIG, other_rate), check=False, **config)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "nothing to train" in output and "finetune.resume: restart" in output

    # restart: from the extended checkpoint, all 17 epochs
    restart = tmp_path / "restart.yaml"
    restart.write_text("finetune:\n  epochs: 17\n  resume: restart\n")
    snakemake(tmp_path, "finetune", configfile=(DEMO_CONFIG, restart), **config)
    fourth = done()
    assert (fourth["run_kind"], fourth["epochs"], fourth["updates_trained"]) == ("restart", 17, 68)


def test_gpus_the_machine_lacks_stop_before_stage_0(tmp_path, demo_copy):
    two = tmp_path / "two_gpus.yaml"
    two.write_text("finetune:\n  gpus: 2\n")
    env = {"F5FLOW_GPU_COUNT": ""}  # this machine's own answer: no NVIDIA driver here
    proc = snakemake(tmp_path, check=False, configfile=(DEMO_CONFIG, two), env=env,
                     input_dir=demo_copy, dataset_name="demo")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "config key finetune.gpus: 2 GPU(s) asked" in output and "finetune.gpus: 0" in output
    assert not (tmp_path / "data").exists() and not (tmp_path / "ckpts").exists()


# (configuration files on top of config/config.yaml, hub file, extended checkpoint's name)
REAL_MODELS = {
    "default": ((), "F5TTS_v1_Base/model_1250000.safetensors", "pretrained_model_1250000.safetensors"),
    "f5tts_base": (
        (REPO / "config" / "presets" / "f5tts_base.yaml",),
        "F5TTS_Base/model_1200000.pt",
        "pretrained_model_1200000.pt",
    ),
}


@pytest.mark.parametrize("name", sorted(REAL_MODELS))
def test_real_model_is_planned_by_default_and_by_preset(tmp_path, demo_copy, name):
    configfiles, hub_file, extended = REAL_MODELS[name]
    # a stand-in in the released format under the real name, in a Hugging Face cache, offline;
    # and a machine with one GPU (this one has none: its count is given)
    stand_in = tmp_path / ("stand_in" + os.path.splitext(hub_file)[1])
    weights.build_tiny(str(stand_in), 2545, "DiT", {"dim": 16, "depth": 1, "heads": 2, "text_dim": 8})
    env = {**hf_cache(tmp_path / "hf", {hub_file: stand_in}), "F5FLOW_GPU_COUNT": "1"}
    config = {"input_dir": demo_copy, "dataset_name": "demo"}

    # what a user types for their own recordings: no option but input_dir and dataset_name
    dry = snakemake(tmp_path, "-n", configfile=configfiles, env=env, **config)
    jobs = {rule for rule, _ in planned_jobs(dry.stdout)}
    assert {"extend_checkpoint", "build_features", "finetune_model"} <= jobs
    assert "build_tiny_model" not in jobs  # the real checkpoint is fetched, not built
    assert f"ckpts/demo/{extended}" in dry.stdout
    finetune_job = dry.stdout[dry.stdout.index("rule finetune_model:"):]
    assert re.search(r"resources: .*\bgpu=1\b", finetune_job), finetune_job[:600]
    assert "GPUs: 1 (finetune.gpus), fp16 on this machine" in dry.stderr
    assert f"hf://SWivid/F5-TTS/{hub_file}, in the Hugging Face cache" in dry.stderr
    assert "planned updates: known once the features stage has run" in dry.stderr

    # the extend job takes it from the cache, offline; once the features exist the plan has
    # the run's updates and its warm-up (5 % of them), checked against each other
    snakemake(tmp_path, "extend", "features", configfile=configfiles, env=env, **config)
    rows = weights.load(str(tmp_path / "ckpts" / "demo" / extended)).embedding_rows
    assert rows == len(vocabulary.read_lines(str(tmp_path / "data" / "demo" / "vocab.txt"))) + 1
    dry = snakemake(tmp_path, "-n", configfile=configfiles, env=env, **config)
    # 24: the real default cuts the demo's 38.7 s story into 3 clips (config/demo.yaml does not)
    planned = re.search(r"planned updates: (\d+) for 24 clips x 100 epochs .* warm-up (\d+)", dry.stderr)
    assert planned, dry.stderr
    assert 0 < int(planned.group(2)) < int(planned.group(1))
    jobs = {rule for rule, _ in planned_jobs(dry.stdout)}
    assert "finetune_model" in jobs and "extend_checkpoint" not in jobs


def test_uncached_hub_checkpoint_offline_fails_the_dry_run(tmp_path, demo_copy):
    env = {"HF_HOME": str(tmp_path / "empty_hf"), "HF_HUB_OFFLINE": "1", "F5FLOW_GPU_COUNT": "1"}
    proc = snakemake(tmp_path, "-n", check=False, configfile=None, env=env, input_dir=demo_copy,
                     dataset_name="demo")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "pretrained_checkpoint hf://SWivid/F5-TTS/F5TTS_v1_Base/model_1250000.safetensors" in output
    assert "hf download SWivid/F5-TTS F5TTS_v1_Base/model_1250000.safetensors" in output
    assert "Traceback (most recent call last)" not in output
    assert not (tmp_path / "data").exists()  # before stage 0


def test_data_preparation_needs_no_gpu_and_no_checkpoint(tmp_path, demo_copy):
    # the real default (one GPU, the hub checkpoint) on a machine with neither, as a laptop or a
    # CPU login node: preparing the data works; asking for the model still stops at once
    env = {"HF_HOME": str(tmp_path / "empty_hf"), "HF_HUB_OFFLINE": "1", "F5FLOW_GPU_COUNT": "0"}
    config = {"input_dir": demo_copy, "dataset_name": "demo"}
    for target in ("metadata", "vocab", "features", "data/demo/metadata.csv"):
        dry = snakemake(tmp_path, "-n", target, check=False, configfile=None, env=env, **config)
        assert dry.returncode == 0, (target, dry.stdout[-2000:], dry.stderr[-2000:])
    snakemake(tmp_path, "metadata", configfile=None, env=env, **config)
    assert (tmp_path / "data" / "demo" / "metadata.csv").exists()
    for target in ("extend", "finetune", "all"):
        proc = snakemake(tmp_path, "-n", target, check=False, configfile=None, env=env, **config)
        assert proc.returncode != 0 and "finetune.gpus: 1 GPU(s) asked" in proc.stdout + proc.stderr, target


def test_upstream_architectures_are_read_from_the_wheel():
    from f5flow.model import ModelError, architecture

    backbone, arch = architecture("F5TTS_v1_Base", None, None)
    assert backbone == "DiT" and arch["dim"] == 1024 and arch["depth"] == 22 and arch["text_dim"] == 512
    assert architecture("F5TTS_Base", None, None)[1]["pe_attn_head"] == 1
    with pytest.raises(ModelError, match="exp_name"):
        architecture("No_Such_Model", None, None)
