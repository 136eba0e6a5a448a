"""The few lines printed when a run ends: what was kept, where the model is, how to hear it.

Built from the run's output files, as the rules declare them (`Outputs`, filled in by the
Snakefile), so any target prints what exists (after `snakemake metadata` only the clips, after a
fine-tune the model too).
"""

from __future__ import annotations

import json
import os
import shlex
from collections import Counter
from typing import NamedTuple

from .dataset import KEPT, NOT_KEPT, hours_kept, read_tsv


# finetune_complete.json's run_kind, in the words of the end-of-run summary
RUN_KINDS = {"first": "new run", "resume": "resumed", "continue": "continued from the previous run",
             "restart": "restarted", "trained": "already trained, nothing trained now"}  # fmt: skip


def _quality(path: str) -> tuple[Counter, float]:
    rows = read_tsv(path)
    return Counter(row["outcome"] for row in rows), hours_kept(rows)


class Outputs(NamedTuple):
    """The rules' files the summary reads."""

    quality: str  # build_metadata's quality.tsv
    rejected: str  # build_metadata's rejected.tsv
    done: str  # finetune_model's finetune_complete.json
    samples: str  # synthesize_samples' synthesis.json
    reports: str  # the report's folder


def lines(files: Outputs) -> list[str]:
    out = []
    quality = files.quality
    if os.path.exists(quality):
        n, hours = _quality(quality)
        out.append(
            f"clips: kept {sum(n[o] for o in KEPT)} ({hours:.2f} h, {n['flagged']} flagged), not "
            f"kept {sum(n[o] for o in NOT_KEPT)}, ignored {n['ignored']}: see {files.rejected} "
            f"and {quality}"
        )
    done_path = files.done
    if os.path.exists(done_path):
        with open(done_path, encoding="utf-8") as f:
            done = json.load(f)
        loss = done.get("loss") or {}
        out.append(
            f"model: {os.path.relpath(done['checkpoint'])} (run {done['run']}, "
            f"{RUN_KINDS.get(done.get('run_kind'), 'run')}, update {done['finished_at_update']} of "
            f"{done['planned_updates']})"
        )
        if loss.get("logged_updates"):
            out.append(
                f"training loss: {loss['first_updates_mean']:.4f} over the first "
                f"{loss['window']} updates, {loss['last_updates_mean']:.4f} over the last "
                f"{loss['window']}"
            )
        out.append(validation_line(done))
        # the checkpoints folder: its best checkpoint, a kept 3-12 s reference of the dataset,
        # numbered samples beside the workflow's (f5flow.cli)
        command = ["f5flow", "synthesize", "--checkpoint", os.path.relpath(os.path.dirname(done["checkpoint"])),
                   "--text", "Xin chào các bạn."]  # fmt: skip
        samples = files.samples
        if os.path.exists(samples):
            with open(samples, encoding="utf-8") as f:
                made = json.load(f)
            out.append(f"listen: {len(made['samples'])} samples in {os.path.dirname(samples)} (vocoder {made['vocoder']})")
        out.append(f"other text: {shlex.join(command)}")
    if os.path.isdir(files.reports):
        review = os.path.join(files.reports, "review.html")
        if os.path.exists(review):
            out.append(f"review every input, its checks and its audio: {os.path.relpath(review)} (a browser)")
        out.append("report: snakemake --report report.html (with this run's options)")
    return out


def validation_line(done: dict) -> str:
    measured = done.get("validation_loss")
    if not measured:
        return f"validation loss: none ({done.get('validation_note', 'not measured')})"
    return (
        f"validation loss: best {measured['best']:.4f} at update {measured['best_update']} "
        f"({os.path.relpath(done['best_checkpoint'])}), last {measured['last']:.4f} at update "
        f"{measured['last_update']}, over {measured['clips']} held-out clips"
    )


def text(dataset_name: str, files: Outputs) -> str:
    found = lines(files)
    return f"f5flow summary ({dataset_name}):\n  " + "\n  ".join(found)
