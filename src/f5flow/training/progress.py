"""Progress of the fine-tune as plain log lines a person can follow (no terminal escape codes).

Upstream's Trainer draws tqdm bars, which in a log file (or a SLURM output file) are carriage
returns and escape codes. They are switched off, and a line is logged at the first update, at
every tenth of the run, at least every `EVERY_SECONDS`, and at the end:

    update 1200/24000 (5%), loss 0.7312, lr 4.80e-06, 3.1 updates/s, about 2h03m left
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)

EVERY_SECONDS = 30.0


def duration_text(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Progress:
    """Collects (update, loss, lr) and says how far the run is."""

    def __init__(self, total: int, start: int = 0, every_seconds: float = EVERY_SECONDS,
                 clock=time.monotonic, emit=log.info):  # fmt: skip
        self.total, self.start = total, start
        self.every_seconds, self.clock, self.emit = every_seconds, clock, emit
        self.began = self.last_time = clock()
        self.last_tenth = (10 * start) // max(total, 1)
        self.losses: list[float] = []
        self.step = start

    def update(self, step: int, loss: float, lr: float) -> None:
        self.losses.append(loss)
        if step == self.step:  # gradient accumulation: several batches per update
            return
        self.step = step
        now = self.clock()
        tenth = (10 * step) // max(self.total, 1)
        if step == self.start + 1 or step >= self.total or tenth > self.last_tenth or (
            now - self.last_time >= self.every_seconds
        ):
            self.last_tenth, self.last_time = tenth, now
            self.emit(self.line(step, lr, now))
            self.losses = []

    def line(self, step: int, lr: float, now: float) -> str:
        done = step - self.start
        rate = done / max(now - self.began, 1e-9)
        left = (self.total - step) / rate if rate > 0 else 0.0
        mean = sum(self.losses) / len(self.losses)
        return (
            f"update {step}/{self.total} ({100 * step / max(self.total, 1):.0f}%), loss {mean:.4f}, "
            f"lr {lr:.2e}, {rate:.2f} updates/s, about {duration_text(left)} left"
        )


def attach(trainer, total: int, start: int) -> Progress:
    """Report through the values the Trainer already logs each batch (accelerator.log)."""
    progress = Progress(total, start)
    original = trainer.accelerator.log

    def log_and_report(values, step=None, **kwargs):
        original(values, step=step, **kwargs)
        if step is not None and "loss" in values and "lr" in values:
            progress.update(step, values["loss"], values["lr"])

    trainer.accelerator.log = log_and_report
    return progress


def quiet_progress_bars() -> None:
    """Upstream's tqdm bars off (the lines above replace them)."""
    from f5_tts.model import trainer as upstream
    from tqdm import tqdm

    class Off(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

    upstream.tqdm = Off
