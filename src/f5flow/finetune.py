"""Stage 5: F5-TTS fine-tuning with upstream's CFM, DiT, CustomDataset and Trainer.

Run under `accelerate launch ... -m f5flow.finetune SETTINGS.json` (see launch.py). Unlike
upstream's finetune_cli, every path is explicit: the dataset folder, vocab.txt and the checkpoint
folder, which holds the extended pretrained_* file the Trainer starts from and the model_last.pt
it resumes from.
"""

from __future__ import annotations

import glob
import json
import logging
import math
import multiprocessing
import os
import signal
import sys
import threading
import time

import torch

from . import checkpoint
from .model import MEL_SPEC, build_model

log = logging.getLogger(__name__)

# finetune_cli's parameters, under its names, passed to upstream's Trainer as they are.
TRAINER_PARAMS = (
    "learning_rate",
    "batch_size_per_gpu",
    "batch_size_type",
    "max_samples",
    "grad_accumulation_steps",
    "max_grad_norm",
    "epochs",
    "num_warmup_updates",
    "save_per_updates",
    "keep_last_n_checkpoints",
    "last_per_updates",
    "logger",
    "log_samples",
    "bnb_optimizer",
)
# In the checkpoint folder: what every attempt did (start, resume, stop on a signal, end).
HISTORY = "training_history.log"
# upstream finetune_cli's seed for the resumable batch order
RESUMABLE_SEED = 666


class FinetuneError(Exception):
    pass


def embedding_rows(path: str) -> int:
    if path.endswith(".pt"):
        # mmap: a base model's model_last.pt is several GB; only one tensor's shape is needed.
        data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        return data[checkpoint.EMA_KEY][checkpoint.EMBED_KEY].shape[0]
    return checkpoint.load(path).embedding_rows


def saved_update(path: str) -> int:
    data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    return int(data.get("update", 0))


def preflight(checkpoint_dir: str, vocab_size: int) -> int:
    """Refuse what would crash inside upstream's Trainer; returns the update training starts at."""
    pretrained = sorted(
        p for p in glob.glob(os.path.join(checkpoint_dir, "pretrained_*")) if not p.endswith(".partial")
    )
    if len(pretrained) != 1:
        raise FinetuneError(
            f"{checkpoint_dir} must hold exactly one pretrained_* checkpoint (upstream's Trainer "
            f"takes whichever the folder lists first), found {[os.path.basename(p) for p in pretrained]}: "
            "remove the ones from earlier configurations"
        )
    rows = embedding_rows(pretrained[0])
    if rows != vocab_size + 1:
        raise FinetuneError(
            f"{pretrained[0]} has {rows} text-embedding rows, vocab.txt {vocab_size} lines (needs "
            f"{vocab_size + 1}): re-run the extend stage for this vocab (`snakemake extend`)"
        )
    last = os.path.join(checkpoint_dir, "model_last.pt")
    try:
        rows = embedding_rows(last) if os.path.exists(last) else None
    except Exception as err:  # noqa: BLE001 - any unreadable file is handled the same way
        # upstream writes model_last.pt in place: a job killed while saving leaves it truncated.
        aside = f"{last}.unreadable-{int(time.time())}"
        os.replace(last, aside)
        log.warning("model_last.pt is unreadable (%s): moved to %s", err, os.path.basename(aside))
        rows = None
    if rows is None:
        log.info("no model_last.pt: the Trainer starts from its newest model_N.pt or %s",
                 os.path.basename(pretrained[0]))
        return 0
    if rows != vocab_size + 1:
        raise FinetuneError(
            f"{last} was trained with a vocab of {rows - 1} lines, vocab.txt has {vocab_size}: "
            f"move {checkpoint_dir}/model_*.pt away to start a new fine-tune for this vocab"
        )
    update = saved_update(last)
    log.info("resuming from model_last.pt at update %d", update)
    return update


def planned_updates(train_dataset, settings: dict, num_processes: int) -> int:
    """Total updates exactly as upstream's Trainer.train computes them (it sizes the LR schedule)."""
    from torch.utils.data import SequentialSampler

    from f5_tts.model.dataset import DynamicBatchSampler

    if settings["batch_size_type"] == "frame":
        batches = len(
            DynamicBatchSampler(
                SequentialSampler(train_dataset),
                settings["batch_size_per_gpu"],
                max_samples=settings["max_samples"],
                random_seed=RESUMABLE_SEED,
                drop_residual=False,
            )
        )
    else:
        batches = math.ceil(len(train_dataset) / settings["batch_size_per_gpu"])
    return math.ceil(batches / settings["grad_accumulation_steps"]) * settings["epochs"]


def check_schedule(total_updates: int, num_warmup_updates: int, num_processes: int) -> None:
    # Upstream decays the LR over total - warmup * processes updates: zero divides by zero,
    # negative never leaves warm-up (the model learns nothing).
    warmup = num_warmup_updates * num_processes
    if total_updates == 0:
        raise FinetuneError("no batch to train on: every clip is longer than batch_size_per_gpu frames")
    if warmup >= total_updates:
        raise FinetuneError(
            f"finetune.num_warmup_updates={num_warmup_updates} (x {num_processes} processes) is not "
            f"below the {total_updates} updates this run plans (batches per epoch x epochs): lower "
            "it, or raise finetune.epochs"
        )


def stop_dataloader_workers() -> None:
    """Kill the DataLoader workers: they block SIGTERM (see save_and_stop_on_signal), and Python's
    exit would otherwise wait forever for them to end after it sends them one."""
    for worker in multiprocessing.active_children():
        worker.kill()
        worker.join()


def save_and_stop_on_signal(trainer) -> None:
    """SIGTERM (scancel, a SLURM time limit or pre-emption) or SIGINT (Ctrl-C): finish the update
    in progress, save model_last.pt, exit 128+signal. A second signal stops at once.

    Every process checks the request at its next backward pass; with several processes they agree
    on it (one all-reduce per batch), so all of them save the same update through upstream's
    save_checkpoint (whose barrier needs every process) and none waits on one that has left.
    """
    state = {"signal": 0, "stopping": False}
    stops = {signal.SIGTERM, signal.SIGINT}

    def request(signum):
        if state["signal"]:
            os._exit(128 + signum)
        state["signal"] = signum
        log.warning("%s: saving model_last.pt after this update (again to stop now)", signal.Signals(signum).name)

    # SLURM signals every process of a job, DataLoader workers included, and a worker killed by
    # it takes the trainer down before it can save. So the signals are blocked in this thread,
    # and thereby in the workers and threads it starts later (masks are inherited). They reach
    # the trainer through the handler (run when a thread started earlier, e.g. by torch, takes
    # the signal) or through one thread waiting for them (when every thread blocks them).
    for signum in stops:
        signal.signal(signum, lambda signum, frame: request(signum))
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)

    def wait_for_signals():
        while True:
            request(signal.sigwait(stops))

    threading.Thread(target=wait_for_signals, name="stop-signals", daemon=True).start()

    accelerator = trainer.accelerator
    backward, save_checkpoint = accelerator.backward, trainer.save_checkpoint

    def backward_then_check(loss, **kwargs):
        backward(loss, **kwargs)
        requested = state["signal"]
        if accelerator.num_processes > 1:
            flag = torch.tensor([requested], device=accelerator.device)
            torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
            requested = int(flag.item())
        if requested and not state["stopping"]:
            state["stopping"], state["signal"] = True, requested
            # upstream saves model_last.pt when update % last_per_updates == 0: every update now
            trainer.last_per_updates = 1

    def save_then_exit(update, last=False):
        save_checkpoint(update, last=last)
        if state["stopping"] and last:
            log.warning("saved model_last.pt at update %d; stopping (re-run to resume)", update)
            if getattr(trainer, "writer", None) is not None:
                trainer.writer.flush()  # the loss curve up to this update
            stop_dataloader_workers()
            raise SystemExit(128 + state["signal"])

    accelerator.backward = backward_then_check
    trainer.save_checkpoint = save_then_exit


def train(settings: dict) -> None:
    from accelerate import PartialState
    from datasets import Dataset

    from f5_tts.model import Trainer
    from f5_tts.model.dataset import CustomDataset
    from f5_tts.model.utils import get_tokenizer

    params = settings["train"]
    checkpoint_dir = settings["checkpoint_dir"]
    processes = PartialState()
    num_processes = processes.num_processes
    if processes.is_main_process:
        # Snakemake deletes a job's log before a re-run or retry; this one keeps every attempt.
        history = logging.FileHandler(os.path.join(checkpoint_dir, HISTORY), encoding="utf-8")
        history.setFormatter(logging.Formatter("%(asctime)s %(levelname)s: %(message)s"))
        logging.getLogger().addHandler(history)
        log.info("attempt started on %s (SLURM job %s), %d process(es)", os.uname().nodename,
                 os.environ.get("SLURM_JOB_ID", "none"), num_processes)
    # tokenizer "custom": the vocab file is named directly (upstream's load_model does the same).
    vocab_char_map, vocab_size = get_tokenizer(settings["vocab"], "custom")
    preflight(checkpoint_dir, vocab_size)

    with open(os.path.join(settings["dataset_dir"], "duration.json"), encoding="utf-8") as f:
        durations = json.load(f)["duration"]
    rows = Dataset.from_file(os.path.join(settings["dataset_dir"], "raw.arrow"))
    train_dataset = CustomDataset(rows, durations=durations, **MEL_SPEC)
    total = planned_updates(train_dataset, params, num_processes)
    check_schedule(total, params["num_warmup_updates"], num_processes)
    log.info("%d rows, %d updates planned over %d process(es)", len(rows), total, num_processes)

    model = build_model(settings["backbone"], settings["arch"], vocab_size, vocab_char_map)
    # upstream's tensorboard writer logs to runs/<run name> under the working directory
    os.chdir(checkpoint_dir)
    trainer = Trainer(
        model,
        checkpoint_path=checkpoint_dir,
        wandb_project=settings["dataset_name"],
        wandb_run_name=params["exp_name"],
        mel_spec_type=MEL_SPEC["mel_spec_type"],
        **{name: params[name] for name in TRAINER_PARAMS},
    )
    save_and_stop_on_signal(trainer)
    trainer.train(train_dataset, num_workers=settings["num_workers"], resumable_with_seed=RESUMABLE_SEED)
    stop_dataloader_workers()
    log.info("finished at update %d", saved_update(os.path.join(checkpoint_dir, "model_last.pt")))


def losses(checkpoint_dir: str, exp_name: str) -> list[tuple[int, float]]:
    """(update, loss) pairs the tensorboard logger recorded, over every resumed run."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_dir = os.path.join(checkpoint_dir, "runs", exp_name)
    if not os.path.isdir(run_dir):
        return []
    events = EventAccumulator(run_dir, size_guidance={"scalars": 0})
    events.Reload()
    if "loss" not in events.Tags()["scalars"]:
        return []
    by_update = {e.step: e.value for e in events.Scalars("loss")}
    return sorted(by_update.items())


def loss_summary(pairs: list[tuple[int, float]], window: int = 10) -> dict:
    """Mean loss over the first and the last `window` logged updates (the log itself stays in runs/)."""
    values = [v for _, v in pairs]
    if not values:
        return {"logged_updates": 0}
    return {
        "logged_updates": len(values),
        "first_updates_mean": sum(values[:window]) / len(values[:window]),
        "last_updates_mean": sum(values[-window:]) / len(values[-window:]),
        "window": window,
    }


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with open(argv[0], encoding="utf-8") as f:
        settings = json.load(f)
    try:
        train(settings)
    except FinetuneError as err:
        log.error("%s", err)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
