"""What the training process is told (settings JSON) and what the finished job records."""

from __future__ import annotations

import os

from .. import trainset
from . import validation
from .losses import learning_rate_summary, loss_summary, scalars
from .checks_in_job import MODEL_LAST, saved_update

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


def build(
    dataset_name: str,
    arrow: str,
    durations: str,
    vocab: str,
    checkpoint: str,
    backbone: str,
    arch: dict,
    num_workers: int,
    train: dict,
    validation_clips: str | None = None,
) -> dict:
    """The trainer's settings: absolute paths (accelerate's processes run in the checkpoint folder).
    job.run adds the run's `start_weights` (a new run continuing from the previous run's weights,
    relative to checkpoint_dir) and its description `run` (for the training history).
    `validation_clips` is stage 4's validation.json."""
    return {
        "dataset_name": dataset_name,
        # the rule's files, as it declares them (the package builds no path by name)
        "arrow": os.path.abspath(arrow),
        "durations": os.path.abspath(durations),
        "vocab": os.path.abspath(vocab),
        "checkpoint_dir": os.path.abspath(os.path.dirname(checkpoint)),
        "backbone": backbone,
        "arch": arch,
        "num_workers": num_workers,
        "train": train,
        "validation": os.path.abspath(validation_clips) if validation_clips else None,
    }


def completion(job: dict, started_at: int, planned: int, data: str, run) -> dict:
    """finetune_complete.json: what this job trained (this run's updates, learning rates, loss)."""
    checkpoint_dir = job["checkpoint_dir"]
    last = os.path.join(checkpoint_dir, MODEL_LAST)
    finished = saved_update(last)
    exp_name = job["train"]["exp_name"]

    def this_job(pairs):
        return [(u, v) for u, v in pairs if started_at < u <= finished]

    return {
        "run": run.number,
        "run_kind": run.kind,
        "started_at_update": started_at,
        "finished_at_update": finished,
        "planned_updates": planned,
        "updates_trained": finished - started_at,
        "epochs": run.epochs,
        "learning_rate": learning_rate_summary(this_job(scalars(checkpoint_dir, exp_name, "lr"))),
        "loss": loss_summary(this_job(scalars(checkpoint_dir, exp_name, "loss"))),
        "data": {
            "sha256": data,
            "files": [job["arrow"], job["vocab"]],
        },
        "checkpoint": last,
        **validation_outcome(job, started_at),
    }


def validation_outcome(job: dict, started_at: int) -> dict:
    """validation_loss and best_checkpoint, or null and why (no held-out clips)."""
    measured = validation.summary(job["checkpoint_dir"], started_at)
    if measured is None:
        note = trainset.read_validation(job["validation"])["note"] if job.get("validation") else (
            "no validation clips given")
        return {"validation_loss": None, "best_checkpoint": None, "validation_note": note}
    return {
        "validation_loss": measured,
        "best_checkpoint": os.path.join(job["checkpoint_dir"], validation.BEST),
    }
