"""The few lines printed when a run ends: what was kept, where the model is, how to hear it.

Built from the run's output files, so any target prints what exists (after `snakemake
metadata` only the clips, after a fine-tune the model too).
"""

from __future__ import annotations

import json
import os
import shlex
from collections import Counter

from .dataset import KEPT, NOT_KEPT, hours_kept, read_metadata, read_tsv
from .records import name_from_metadata_path


def _quality(path: str) -> tuple[Counter, float]:
    rows = read_tsv(path)
    return Counter(row["outcome"] for row in rows), hours_kept(rows)


def lines(data_dir: str, ckpts_dir: str, samples_dir: str, reports_dir: str) -> list[str]:
    out = []
    quality = os.path.join(data_dir, "quality.tsv")
    if os.path.exists(quality):
        n, hours = _quality(quality)
        out.append(
            f"clips: kept {sum(n[o] for o in KEPT)} ({hours:.2f} h, {n['flagged']} flagged), not "
            f"kept {sum(n[o] for o in NOT_KEPT)}, ignored {n['ignored']}: see {data_dir}/rejected.tsv "
            f"and {quality}"
        )
    done_path = os.path.join(ckpts_dir, "finetune_complete.json")
    if os.path.exists(done_path):
        with open(done_path, encoding="utf-8") as f:
            done = json.load(f)
        loss = done.get("loss") or {}
        out.append(
            f"model: {os.path.relpath(done['checkpoint'])} (run {done['run']}, update "
            f"{done['finished_at_update']} of {done['planned_updates']})"
        )
        if loss.get("logged_updates"):
            out.append(
                f"training loss: {loss['first_updates_mean']:.4f} over the first "
                f"{loss['window']} updates, {loss['last_updates_mean']:.4f} over the last "
                f"{loss['window']}"
            )
        out.append(validation_line(done))
        audio_file, ref_text = read_metadata(os.path.join(data_dir, "metadata.csv"))[0]
        ref_audio = os.path.join(data_dir, "wavs", name_from_metadata_path(audio_file) + ".wav")
        command = ["f5flow", "synthesize", "--checkpoint", os.path.relpath(done["checkpoint"]),
                   "--ref-audio", ref_audio, "--ref-text", ref_text, "--text", "Xin chào các bạn."]  # fmt: skip
        samples = os.path.join(samples_dir, "synthesis.json")
        if os.path.exists(samples):
            with open(samples, encoding="utf-8") as f:
                made = json.load(f)
            out.append(f"listen: {len(made['samples'])} samples in {samples_dir} (vocoder {made['vocoder']})")
        out.append(f"other text: {shlex.join(command)}")
    if os.path.isdir(reports_dir):
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


def text(dataset_name: str, data_dir: str, ckpts_dir: str, samples_dir: str, reports_dir: str) -> str:
    found = lines(data_dir, ckpts_dir, samples_dir, reports_dir)
    return f"f5flow summary ({dataset_name}):\n  " + "\n  ".join(found)
