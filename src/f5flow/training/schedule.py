"""The updates a run plans, computed with upstream's own batch sampler, and its warm-up."""

from __future__ import annotations

import json
import math
import os

from ..model import MEL_SPEC
from . import TrainingError

# upstream finetune_cli's seed for the resumable batch order
RESUMABLE_SEED = 666


class _Frames:
    """What upstream's DynamicBatchSampler reads of a dataset: its length and each clip's frames
    (as CustomDataset.get_frame_len computes them from duration.json), without loading audio."""

    def __init__(self, durations: list[float]):
        self.durations = durations

    def __len__(self) -> int:
        return len(self.durations)

    def get_frame_len(self, index: int) -> float:
        return self.durations[index] * MEL_SPEC["target_sample_rate"] / MEL_SPEC["hop_length"]


def epoch_batches(durations: list[float], train: dict) -> int:
    """Batches of one epoch exactly as upstream's Trainer.train counts them (it sizes the LR
    schedule from all batches of an epoch, whatever the number of processes)."""
    from torch.utils.data import SequentialSampler

    from f5_tts.model.dataset import DynamicBatchSampler

    if train["batch_size_type"] == "frame":
        return len(
            DynamicBatchSampler(
                SequentialSampler(_Frames(durations)),
                train["batch_size_per_gpu"],
                max_samples=train["max_samples"],
                random_seed=RESUMABLE_SEED,
                drop_residual=False,
            )
        )
    return math.ceil(len(durations) / train["batch_size_per_gpu"])


def updates(batches: int, train: dict, epochs: int) -> int:
    return math.ceil(batches / train["grad_accumulation_steps"]) * epochs


def planned_updates(durations: list[float], train: dict, epochs: int) -> int:
    """Total scheduler updates exactly as upstream's Trainer.train computes them."""
    return updates(epoch_batches(durations, train), train, epochs)


# What the epoch's batches depend on, besides the durations (and upstream's sampler).
BATCH_SETTINGS = ("batch_size_type", "batch_size_per_gpu", "max_samples")


def cached_epoch_batches(durations_file: str, train: dict, cache_file: str) -> tuple[int, int]:
    """(clips, batches of an epoch) of duration.json, remembered in cache_file.

    Every dry run prints the plan, and upstream's sampler takes 18 s over a million durations:
    the count is kept with what it depends on (duration.json's size and mtime, the batch
    settings, the f5-tts version) and computed again only when one of them changed.
    """
    from importlib.metadata import version

    st = os.stat(durations_file)
    key = {
        "duration_json": [st.st_size, st.st_mtime_ns],
        "f5_tts": version("f5-tts"),
        **{name: train[name] for name in BATCH_SETTINGS},
    }
    try:
        with open(cache_file, encoding="utf-8") as f:
            cached = json.load(f)
        if cached["key"] == key:
            return cached["clips"], cached["batches"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or unreadable: computed again
    with open(durations_file, encoding="utf-8") as f:
        durations = json.load(f)["duration"]
    batches = epoch_batches(durations, train)
    os.makedirs(os.path.dirname(cache_file) or ".", exist_ok=True)
    part = cache_file + ".part"
    with open(part, "w", encoding="utf-8") as f:
        json.dump({"key": key, "clips": len(durations), "batches": batches}, f)
    os.replace(part, cache_file)
    return len(durations), batches


def warmup_updates(train: dict, total_updates: int, num_processes: int) -> int:
    """finetune.num_warmup_updates, or finetune.warmup_fraction of this run's planned updates.

    Upstream multiplies the warm-up by the number of processes (its scheduler steps once per
    process per update), so a fraction is divided by it.
    """
    if train.get("num_warmup_updates") is not None:
        return train["num_warmup_updates"]
    return max(1, round(train["warmup_fraction"] * total_updates / max(1, num_processes)))


def check_schedule(total_updates: int, num_warmup_updates: int, num_processes: int) -> None:
    # Upstream decays the LR over total - warmup * processes updates: zero divides by zero,
    # negative never leaves warm-up (the model learns nothing).
    warmup = num_warmup_updates * max(1, num_processes)
    if total_updates == 0:
        raise TrainingError("no batch to train on: every clip is longer than batch_size_per_gpu frames")
    if warmup >= total_updates:
        raise TrainingError(
            f"finetune.num_warmup_updates={num_warmup_updates} (x {num_processes} processes) is not "
            f"below the {total_updates} updates this run plans (batches per epoch x epochs): lower "
            "it, set it to null to use finetune.warmup_fraction, or raise finetune.epochs"
        )
