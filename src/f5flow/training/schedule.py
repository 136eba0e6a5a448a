"""The updates a run plans, computed as upstream's Trainer does, and the warm-up check."""

from __future__ import annotations

import math

from . import TrainingError

# upstream finetune_cli's seed for the resumable batch order
RESUMABLE_SEED = 666


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
        raise TrainingError("no batch to train on: every clip is longer than batch_size_per_gpu frames")
    if warmup >= total_updates:
        raise TrainingError(
            f"finetune.num_warmup_updates={num_warmup_updates} (x {num_processes} processes) is not "
            f"below the {total_updates} updates this run plans (batches per epoch x epochs): lower "
            "it, or raise finetune.epochs"
        )
