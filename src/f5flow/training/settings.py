"""What the training process is told (settings JSON) and what the finished job records."""

from __future__ import annotations

import os

from .losses import loss_summary, losses
from .preflight import MODEL_LAST, saved_update


def build(
    dataset_name: str,
    arrow: str,
    vocab: str,
    checkpoint: str,
    backbone: str,
    arch: dict,
    num_workers: int,
    train: dict,
) -> dict:
    """The trainer's settings: absolute paths (accelerate's processes run in the checkpoint folder)."""
    return {
        "dataset_name": dataset_name,
        "dataset_dir": os.path.abspath(os.path.dirname(arrow)),
        "vocab": os.path.abspath(vocab),
        "checkpoint_dir": os.path.abspath(os.path.dirname(checkpoint)),
        "backbone": backbone,
        "arch": arch,
        "num_workers": num_workers,
        "train": train,
    }


def completion(settings: dict) -> dict:
    """finetune_complete.json: the update the run ended at, its checkpoint and loss summary."""
    checkpoint_dir = settings["checkpoint_dir"]
    last = os.path.join(checkpoint_dir, MODEL_LAST)
    return {
        "update": saved_update(last),
        "checkpoint": last,
        "loss": loss_summary(losses(checkpoint_dir, settings["train"]["exp_name"])),
    }

