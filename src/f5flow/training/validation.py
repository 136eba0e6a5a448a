"""The validation loss, computed beside upstream's Trainer (which has none).

At each model_N.pt the Trainer saves, and once at the end of training, the main process
measures upstream's flow-matching loss (CFM.forward) of the EMA weights (what inference loads)
on the held-out clips of validation.json:
- with the same noise, flow times and masked spans at every checkpoint (seeded with SEED, the
  training random state put back afterwards), so two checkpoints' losses compare the weights,
  not the draw;
- conditional (no dropped text or audio prompt), as inference uses the model;
- in batches of at most the training's batch size, weighted by clip.
Each result is appended to validation.jsonl and logged to tensorboard (`validation_loss`); the
EMA weights of the best so far are written to best_model.pt (the Trainer deletes old model_N.pt
when keep_last_n_checkpoints says so; best_model.pt is not named model_* so its rotation and its
resume never touch it).
"""

from __future__ import annotations

import json
import logging
import os
import random

import torch

log = logging.getLogger(__name__)

RECORD = "validation.jsonl"
BEST = "best_model.pt"
SEED = 666


def batches(lengths: list[int], limit: int, max_samples: int, by_frames: bool) -> list[list[int]]:
    """Indices grouped shortest first: at most `limit` frames (by_frames) or `limit` clips per
    batch, at most max_samples clips."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    groups, current, frames = [], [], 0
    for i in order:
        full = len(current) >= (max_samples if by_frames else min(limit, max_samples))
        if current and (full or (by_frames and frames + lengths[i] > limit)):
            groups.append(current)
            current, frames = [], 0
        current.append(i)
        frames += lengths[i]
    return groups + ([current] if current else [])


def read_records(checkpoint_dir: str) -> list[dict]:
    path = os.path.join(checkpoint_dir, RECORD)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def summary(checkpoint_dir: str, started_at: int) -> dict | None:
    """finetune_complete.json's validation_loss: the run's evaluations, its best and its last
    (None when the run evaluated nothing)."""
    records = read_records(checkpoint_dir)
    if not records:
        return None
    best = min(records, key=lambda r: r["loss"])
    return {
        "best": best["loss"],
        "best_update": best["update"],
        "last": records[-1]["loss"],
        "last_update": records[-1]["update"],
        "clips": records[-1]["clips"],
        "evaluations": [{k: r[k] for k in ("update", "checkpoint", "loss")} for r in records],
        "new_in_this_job": sum(r["update"] > started_at for r in records),
    }


class Validator:
    """Measures the held-out loss of a Trainer's EMA model and keeps the best weights."""

    def __init__(self, trainer, clips: list[dict], mel_spec: dict, train: dict, checkpoint_dir: str):
        from datasets import Dataset
        from f5_tts.model.dataset import CustomDataset

        self.trainer, self.checkpoint_dir = trainer, checkpoint_dir
        columns = {name: [c[name] for c in clips] for name in ("audio_path", "text", "duration")}
        items = CustomDataset(Dataset.from_dict(columns), durations=columns["duration"], **mel_spec)
        # decoded once: the same clips are measured at every checkpoint
        self.items = [items[i] for i in range(len(clips))]
        lengths = [item["mel_spec"].shape[-1] for item in self.items]
        self.batches = batches(lengths, train["batch_size_per_gpu"], train["max_samples"],
                               train["batch_size_type"] == "frame")  # fmt: skip

    def loss(self) -> float:
        from f5_tts.model.dataset import collate_fn

        model = self.trainer.ema_model.ema_model
        device = self.trainer.accelerator.device
        drops = model.audio_drop_prob, model.cond_drop_prob
        states = torch.get_rng_state(), random.getstate()
        cuda_states = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
        model.audio_drop_prob = model.cond_drop_prob = 0.0
        torch.manual_seed(SEED)
        random.seed(SEED)
        total, clips = 0.0, 0
        try:
            with torch.no_grad(), self.trainer.accelerator.autocast():
                for indices in self.batches:
                    batch = collate_fn([self.items[i] for i in indices])
                    mel = batch["mel"].permute(0, 2, 1).to(device)
                    loss, _, _ = model(mel, text=batch["text"], lens=batch["mel_lengths"].to(device))
                    total += float(loss) * len(indices)
                    clips += len(indices)
        finally:
            model.audio_drop_prob, model.cond_drop_prob = drops
            torch.set_rng_state(states[0])
            random.setstate(states[1])
            if cuda_states is not None:
                torch.cuda.set_rng_state_all(cuda_states)
        return total / clips

    def evaluate(self, update: int, checkpoint: str) -> None:
        """Measure, record, and keep the weights when they are the best of this run so far."""
        records = read_records(self.checkpoint_dir)
        if any(r["update"] == update for r in records):
            return  # already measured (the final save of a run ending on a model_N.pt)
        loss = self.loss()
        best = min((r["loss"] for r in records), default=float("inf"))
        record = {"update": update, "checkpoint": checkpoint, "loss": loss, "clips": len(self.items)}
        if loss < best:
            path = os.path.join(self.checkpoint_dir, BEST)
            state = {"ema_model_state_dict": self.trainer.ema_model.state_dict(), "update": update,
                     "validation_loss": loss}  # fmt: skip
            torch.save(state, path + ".partial")
            os.replace(path + ".partial", path)
            record["best"] = True
        with open(os.path.join(self.checkpoint_dir, RECORD), "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        writer = getattr(self.trainer, "writer", None)
        if writer is not None:
            writer.add_scalar("validation_loss", loss, update)
            writer.flush()
        log.info("validation loss at update %d (%s): %.4f over %d clips%s", update, checkpoint, loss,
                 len(self.items), f"; best so far, kept as {BEST}" if record.get("best") else "")

    def attach(self) -> None:
        """Measure at every model_N.pt the Trainer saves."""
        trainer = self.trainer
        save_checkpoint = trainer.save_checkpoint

        def save_then_validate(update, last=False):
            save_checkpoint(update, last=last)
            if not last and trainer.is_main:
                self.evaluate(update, f"model_{update}.pt")

        trainer.save_checkpoint = save_then_validate
