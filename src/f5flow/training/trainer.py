"""The training process: upstream's CFM, DiT, CustomDataset and Trainer with explicit paths.

Run under `accelerate launch ... -m f5flow.training.trainer SETTINGS.json` (see launch.py).
Unlike upstream's finetune_cli, every path is explicit: the dataset folder, vocab.txt and the
checkpoint folder, which holds the extended pretrained_* file the Trainer starts from and the
model_last.pt it resumes from.
"""

from __future__ import annotations

import json
import logging
import os
import sys

import torch

from .. import trainset
from ..model import MEL_SPEC, build_model
from . import TrainingError
from . import progress
from .checks_in_job import MODEL_LAST, saved_update
from .schedule import RESUMABLE_SEED
from .settings import TRAINER_PARAMS
from .stopping import save_and_stop_on_signal, stop_dataloader_workers
from .validation import Validator

log = logging.getLogger(__name__)

# In the checkpoint folder: what every attempt did (start, resume, stop on a signal, end).
HISTORY = "training_history.log"


def train(settings: dict) -> None:
    from accelerate import PartialState
    from accelerate.utils import parse_flag_from_env
    from datasets import Dataset

    from f5_tts.model import Trainer
    from f5_tts.model.dataset import CustomDataset
    from f5_tts.model.utils import get_tokenizer

    params = settings["train"]
    checkpoint_dir = settings["checkpoint_dir"]
    # as upstream's Accelerator will: on the CPU when the launcher says so (several CPU processes
    # then form a gloo group instead of running apart)
    processes = PartialState(cpu=parse_flag_from_env("ACCELERATE_USE_CPU"))
    num_processes = processes.num_processes
    if processes.is_main_process:
        # Snakemake deletes a job's log before a re-run or retry; this one keeps every attempt.
        history = logging.FileHandler(os.path.join(checkpoint_dir, HISTORY), encoding="utf-8")
        history.setFormatter(logging.Formatter("%(asctime)s %(levelname)s: %(message)s"))
        logging.getLogger().addHandler(history)
        log.info("attempt started on %s (SLURM job %s), %d process(es); %s", os.uname().nodename,
                 os.environ.get("SLURM_JOB_ID", "none"), num_processes, settings.get("run", ""))
        last = os.path.join(checkpoint_dir, MODEL_LAST)
        if os.path.exists(last):
            log.info("resuming from model_last.pt at update %d", saved_update(last))
    # tokenizer "custom": the vocab file is named directly (upstream's load_model does the same).
    vocab_char_map, vocab_size = get_tokenizer(settings["vocab"], "custom")
    # the checkpoints, the schedule and the run were checked and planned once, by the job (job.py)
    with open(settings["durations"], encoding="utf-8") as f:
        durations = json.load(f)["duration"]
    rows = Dataset.from_file(settings["arrow"])
    train_dataset = CustomDataset(rows, durations=durations, **MEL_SPEC)
    log.info("%d rows, %d epoch(s), warm-up %d update(s), %d process(es)", len(rows),
             params["epochs"], params["num_warmup_updates"], num_processes)

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
    log.info("training on %s, mixed precision %s", trainer.accelerator.device,
             trainer.accelerator.mixed_precision)
    if settings.get("start_weights"):
        start_from_weights(trainer, os.path.join(checkpoint_dir, settings["start_weights"]))
    validator = None
    clips = trainset.read_validation(settings["validation"])["clips"] if settings.get("validation") else []
    if clips and processes.is_main_process:  # the EMA weights live in the main process only
        validator = Validator(trainer, clips, MEL_SPEC, params, checkpoint_dir)
        validator.attach()  # inside the stop handling: a stop's save is model_last.pt, not measured
    save_and_stop_on_signal(trainer)
    progress.quiet_progress_bars()
    if processes.is_local_main_process and settings.get("planned_updates"):
        last = os.path.join(checkpoint_dir, MODEL_LAST)
        start = saved_update(last) if os.path.exists(last) else 0
        progress.attach(trainer, settings["planned_updates"], start)
    trainer.train(train_dataset, num_workers=settings["num_workers"], resumable_with_seed=RESUMABLE_SEED)
    stop_dataloader_workers()
    finished = saved_update(os.path.join(checkpoint_dir, MODEL_LAST))
    if validator:
        validator.evaluate(finished, MODEL_LAST)
    log.info("finished at update %d", finished)


def start_from_weights(trainer, path: str) -> None:
    """A new run continuing the previous one: its model and EMA weights, a fresh optimizer and
    schedule. Applied only where upstream starts at update 0 (from the pretrained checkpoint);
    an interrupted run of its own resumes from its model_last.pt instead."""
    load_checkpoint = trainer.load_checkpoint

    def load_then_previous_weights():
        update = load_checkpoint()
        if update == 0:
            state = torch.load(path, map_location="cpu", weights_only=True)
            trainer.accelerator.unwrap_model(trainer.model).load_state_dict(state["model_state_dict"])
            if trainer.is_main:
                trainer.ema_model.load_state_dict(state["ema_model_state_dict"])
            log.info("started from the weights of %s", path)
        return update

    trainer.load_checkpoint = load_then_previous_weights


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with open(argv[0], encoding="utf-8") as f:
        settings = json.load(f)
    try:
        train(settings)
    except TrainingError as err:
        log.error("%s", err)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
