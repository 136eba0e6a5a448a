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

from ..model import MEL_SPEC, build_model
from . import TrainingError
from .preflight import MODEL_LAST, check_audio_paths, preflight, saved_update
from .schedule import RESUMABLE_SEED, check_schedule, planned_updates
from .stopping import save_and_stop_on_signal, stop_dataloader_workers

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

    arrow = os.path.join(settings["dataset_dir"], "raw.arrow")
    with open(os.path.join(settings["dataset_dir"], "duration.json"), encoding="utf-8") as f:
        durations = json.load(f)["duration"]
    rows = Dataset.from_file(arrow)
    check_audio_paths(rows, arrow)
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
    log.info("training on %s, mixed precision %s", trainer.accelerator.device,
             trainer.accelerator.mixed_precision)
    save_and_stop_on_signal(trainer)
    trainer.train(train_dataset, num_workers=settings["num_workers"], resumable_with_seed=RESUMABLE_SEED)
    stop_dataloader_workers()
    log.info("finished at update %d", saved_update(os.path.join(checkpoint_dir, MODEL_LAST)))


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
