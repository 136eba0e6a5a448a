"""GPU smoke test of the fine-tune (stage 5), for a machine with a CUDA GPU.

    python benchmarks/gpu_smoke.py DEMO_ROOT OUT

DEMO_ROOT is a folder where the demo ran (`make run`: data/demo_vi, work/demo_vi/records,
ckpts/demo_vi/pretrained_model_tiny.safetensors). Runs, through the workflow's own launcher
(`accelerate launch`, one process, the default config's fp16):

1. the demo's tiny model on the GPU: SIGTERM after update 20, then a re-run that resumes at the
   saved update and ends at the planned 60, one loss per update;
2. the F5TTS_v1_Base architecture (random weights, the real 2545-line vocab extended as stage 3
   does) with the default config's batch settings: seconds per update and peak GPU memory.

Writes OUT/gpu_smoke.json and prints it. Not part of `make test` (no GPU there).
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
# the trainer processes accelerate starts import f5flow too
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))

from f5flow import model, records, trainset, vocabulary, weights  # noqa: E402
from f5flow.training import launch, settings, supervisor  # noqa: E402
from f5flow.training.losses import losses  # noqa: E402

DEMO = "demo_vi"
# F5FLOW_SMOKE_CPU=1 checks this script itself on a machine without a GPU (tiny run only, fp32).
ON_CPU = os.environ.get("F5FLOW_SMOKE_CPU") == "1"
PRECISION = "no" if ON_CPU else "fp16"


def nvidia_smi(query: str) -> str:
    if shutil.which("nvidia-smi") is None:
        return ""
    out = subprocess.run(["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader,nounits"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


def gpu_memory_mib() -> int:
    used = nvidia_smi("memory.used").split()
    return int(used[0]) if used else -1


def prepare_data(demo_root: Path, out: Path) -> Path:
    """The demo's dataset folder, with raw.arrow rebuilt for this machine's absolute paths."""
    data = out / "data"
    shutil.copytree(demo_root / "data" / DEMO, data)
    unit_records = sorted(glob.glob(str(demo_root / "work" / DEMO / "records" / "*.jsonl")))
    trainset.build(str(data / "metadata.csv"), records.read_durations(unit_records),
                   str(data / "vocab.txt"), str(data / "raw.arrow"), str(data / "duration.json"))
    return data


def run_trainer(job: dict, folder: Path, name: str, stop_after: int | None = None) -> dict:
    """One `accelerate launch` of the trainer; SIGTERM once `stop_after` is saved."""
    settings_path = folder / f"{name}.settings.json"
    settings_path.write_text(json.dumps(job))
    cmd = launch.accelerate_command(1, job["train"]["mixed_precision"], str(settings_path))
    log_path = folder / f"{name}.log"
    peak, stop = [gpu_memory_mib()], threading.Event()

    def poll():
        while not stop.wait(0.5):
            peak.append(gpu_memory_mib())

    threading.Thread(target=poll, daemon=True).start()
    started = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        while stop_after is not None and proc.poll() is None:
            saved = re.findall(r"Saved last checkpoint at update (\d+)", log_path.read_text(errors="replace"))
            if saved and int(saved[-1]) >= stop_after:
                os.killpg(proc.pid, signal.SIGTERM)
                break
            time.sleep(0.2)
        status = proc.wait(timeout=600)
    elapsed = time.perf_counter() - started
    stop.set()
    text = log_path.read_text(errors="replace")
    device = re.search(r"training on (\S+), mixed precision (\S+)", text)
    return {"exit": status, "seconds": round(elapsed, 1), "peak_gpu_mib": max(peak),
            "device": device.group(1) if device else None,
            "mixed_precision": device.group(2) if device else None,
            "log_tail": text[-1500:] if status not in (0, 143, -15) else ""}


def tiny_run(demo_root: Path, data: Path, out: Path, config: dict) -> dict:
    ckpts = out / "ckpts_tiny"
    ckpts.mkdir()
    shutil.copy(demo_root / "ckpts" / DEMO / "pretrained_model_tiny.safetensors", ckpts)
    train = {**config["finetune"], "gpus": 1, "mixed_precision": PRECISION}
    job_settings = settings.build(DEMO, str(data / "raw.arrow"), str(data / "duration.json"), str(data / "vocab.txt"),
                         str(ckpts / "pretrained_model_tiny.safetensors"), config["model"]["backbone"],
                         config["model"]["arch"], 1, train)
    first = run_trainer(job_settings, out, "tiny_stopped", stop_after=20)
    second = run_trainer(job_settings, out, "tiny_resumed")
    history_file = ckpts / "training_history.log"
    history = history_file.read_text() if history_file.exists() else ""
    stopped = re.search(r"saved model_last.pt at update (\d+); stopping", history)
    resumed = re.search(r"resuming from model_last.pt at update (\d+)", history)
    logged = [u for u, _ in losses(str(ckpts), train["exp_name"])]
    finished = logged[-1] if logged else None
    # then the workflow's own job (job.run: GPU check, run planning, completion record) trains a
    # new run continuing from those weights
    with open(out / "tiny_continued.log", "w") as log:
        continued = supervisor.run(
            {**job_settings, "train": {**train, "epochs": 14, "gpus": 0 if ON_CPU else 1}},
            job_gpus=0 if ON_CPU else 1, settings_path=str(out / "tiny_continued.json"),
            log=log, say=lambda line: print(line, file=log, flush=True))
    return {"stopped": first, "resumed": second,
            "stopped_at": int(stopped.group(1)) if stopped else None,
            "resumed_at": int(resumed.group(1)) if resumed else None,
            "finished_at": finished, "one_loss_per_update": logged == list(range(1, 61)),
            "continued": {k: continued[k] for k in ("run_kind", "started_at_update", "finished_at_update",
                                                    "updates_trained", "learning_rate", "loss")}}


def base_run(data: Path, out: Path, config: dict, epochs: int) -> dict:
    ckpts = out / "ckpts_base"
    ckpts.mkdir()
    backbone, arch = model.upstream_architecture("F5TTS_v1_Base")
    pretrained = vocabulary.read_lines(vocabulary.resolve(config["pretrained_vocab"]))
    lines = vocabulary.read_lines(str(data / "vocab.txt"))
    random_base = out / "random_v1_base.safetensors"
    weights.build_tiny(str(random_base), len(pretrained), backbone, arch)
    extended = weights.extend(weights.load(str(random_base)), len(pretrained), len(lines),
                              vocabulary.sha256(str(data / "vocab.txt")))
    weights.save(str(ckpts / "pretrained_random_v1_base.safetensors"), extended)
    train = {**config["finetune"], "epochs": epochs, "num_warmup_updates": 2,
             "save_per_updates": 100000, "last_per_updates": 100000, "keep_last_n_checkpoints": 0}
    job = settings.build(DEMO, str(data / "raw.arrow"), str(data / "duration.json"), str(data / "vocab.txt"),
                         str(ckpts / "pretrained_random_v1_base.safetensors"), backbone, arch, 4, train)
    result = run_trainer(job, out, "base")
    logged = losses(str(ckpts), train["exp_name"])
    result.update(updates=len(logged), parameters_m=round(sum(t.numel() for k, t in extended.ema.items() if k.startswith("ema_model.")) / 1e6, 1),
                  loss_first=logged[0][1] if logged else None, loss_last=logged[-1][1] if logged else None)
    if len(logged) > 10:
        # seconds per update from tensorboard's wall times, past the first (CUDA start-up) updates
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

        events = EventAccumulator(str(ckpts / "runs" / train["exp_name"]), size_guidance={"scalars": 0})
        events.Reload()
        times = [e.wall_time for e in events.Scalars("loss")]
        result["seconds_per_update"] = round((times[-1] - times[5]) / (len(times) - 6), 4)
    return result


def main(demo_root: str, out_dir: str, base_epochs: int = 20) -> int:
    import torch

    if not (torch.cuda.is_available() or ON_CPU):
        sys.exit("no CUDA GPU: a GPU smoke test on the CPU tests nothing (F5FLOW_SMOKE_CPU=1 checks the script)")
    demo_root, out = Path(demo_root).resolve(), Path(out_dir).resolve()
    # checkpoints of the base run are GBs: kept out of OUT, which holds the figures and logs
    work = Path(tempfile.gettempdir()) / "f5flow_gpu_smoke"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out.mkdir(parents=True, exist_ok=True)
    real = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    demo_only = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    # as Snakemake merges a --configfile over config/config.yaml: nested keys one by one
    demo = {**real, **demo_only, "finetune": {**real["finetune"], **demo_only["finetune"]}}
    data = prepare_data(demo_root, work)
    result = {"gpu": nvidia_smi("name"),
              "tiny": tiny_run(demo_root, data, work, demo),
              "base": None if ON_CPU else base_run(data, work, real, base_epochs)}
    (out / "gpu_smoke.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    for log in work.glob("*.log"):
        shutil.copy(log, out / log.name)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3], *map(int, sys.argv[3:4])))
