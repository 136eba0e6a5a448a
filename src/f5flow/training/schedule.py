"""The updates a run plans, computed with upstream's own batch sampler, and its warm-up."""

from __future__ import annotations

import json
import math
import os

from ..model import MEL_SPEC
from . import TrainingError

# upstream finetune_cli's seed for the resumable batch order
RESUMABLE_SEED = 666

def epoch_batches(durations: list[float], train: dict) -> int:
    """Batches of one epoch exactly as upstream's Trainer.train counts them (it sizes the LR
    schedule from all batches of an epoch, whatever the number of processes)."""
    if train["batch_size_type"] == "frame":
        return dynamic_batch_count(durations, train["batch_size_per_gpu"], train["max_samples"])
    return math.ceil(len(durations) / train["batch_size_per_gpu"])


def dynamic_batch_count(durations: list[float], frames_threshold: int, max_samples: int) -> int:
    """len(DynamicBatchSampler(SequentialSampler(dataset), frames_threshold, max_samples,
    drop_residual=False)) of upstream's f5_tts.model.dataset, for a dataset of these durations:
    its greedy packing of the clips sorted by frames, counted without its lists of indices and
    without importing torch (at a million clips the sampler took 3 s, and with its imports the
    first dry run after new features 42 s and 1.35 GB; this takes 1 s). A test compares the two
    on random durations."""
    # frames as CustomDataset.get_frame_len computes them, the same float operations in order
    frames = sorted(d * MEL_SPEC["target_sample_rate"] / MEL_SPEC["hop_length"] for d in durations)
    batches, in_batch, batch_frames = 0, 0, 0
    for frame_len in frames:
        if batch_frames + frame_len <= frames_threshold and (max_samples == 0 or in_batch < max_samples):
            in_batch += 1
            batch_frames += frame_len
        else:
            batches += in_batch > 0
            # a clip longer than the threshold is left out, as upstream leaves it
            in_batch, batch_frames = (1, frame_len) if frame_len <= frames_threshold else (0, 0)
    return batches + (in_batch > 0)


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
