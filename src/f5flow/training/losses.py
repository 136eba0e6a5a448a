"""The loss values upstream's tensorboard logger recorded, over every resumed run."""

from __future__ import annotations

import os


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
