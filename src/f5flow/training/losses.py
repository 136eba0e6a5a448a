"""The values upstream's tensorboard logger recorded (loss and learning rate per update)."""

from __future__ import annotations

import os


def scalars(checkpoint_dir: str, exp_name: str, tag: str) -> list[tuple[int, float]]:
    """(update, value) pairs of one tensorboard tag, over every attempt of the current run."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_dir = os.path.join(checkpoint_dir, "runs", exp_name)
    if not os.path.isdir(run_dir):
        return []
    events = EventAccumulator(run_dir, size_guidance={"scalars": 0})
    events.Reload()
    if tag not in events.Tags()["scalars"]:
        return []
    by_update = {e.step: e.value for e in events.Scalars(tag)}
    return sorted(by_update.items())


def losses(checkpoint_dir: str, exp_name: str) -> list[tuple[int, float]]:
    return scalars(checkpoint_dir, exp_name, "loss")


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


def learning_rate_summary(pairs: list[tuple[int, float]]) -> dict:
    values = [v for _, v in pairs]
    if not values:
        return {"first": None, "max": None, "last": None}
    return {"first": values[0], "max": max(values), "last": values[-1]}
