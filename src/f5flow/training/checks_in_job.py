"""Checks before training, run once by the job before accelerate starts any process: what would
otherwise crash inside upstream's Trainer, hours in."""

from __future__ import annotations

import glob
import logging
import os
import time

import torch

from .. import weights
from . import TrainingError

log = logging.getLogger(__name__)

MODEL_LAST = "model_last.pt"


def embedding_rows(path: str) -> int:
    if path.endswith(".pt"):
        # mmap: a base model's model_last.pt is several GB; only one tensor's shape is needed.
        data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        return data[weights.EMA_KEY][weights.EMBED_KEY].shape[0]
    return weights.load(path).embedding_rows


def saved_update(path: str) -> int:
    data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    return int(data.get("update", 0))


def check_pretrained(checkpoint_dir: str, vocab_size: int) -> str:
    """The one extended pretrained_* checkpoint, sized for vocab.txt."""
    pretrained = sorted(
        p for p in glob.glob(os.path.join(checkpoint_dir, "pretrained_*")) if not p.endswith(".partial")
    )
    if len(pretrained) != 1:
        raise TrainingError(
            f"{checkpoint_dir} must hold exactly one pretrained_* checkpoint (upstream's Trainer "
            f"takes whichever the folder lists first), found {[os.path.basename(p) for p in pretrained]}: "
            "remove the ones from earlier configurations"
        )
    check_rows(pretrained[0], vocab_size, "re-run the extend stage for this vocab (`snakemake extend`)")
    return pretrained[0]


def check_rows(path: str, vocab_size: int, fix: str) -> None:
    rows = embedding_rows(path)
    if rows != vocab_size + 1:
        raise TrainingError(
            f"{path} has {rows} text-embedding rows (a vocab of {rows - 1} lines), vocab.txt "
            f"{vocab_size} lines (needs {vocab_size + 1} rows): {fix}"
        )


def readable_model_last(checkpoint_dir: str) -> int | None:
    """The update model_last.pt was saved at; a truncated one is moved aside (None)."""
    last = os.path.join(checkpoint_dir, MODEL_LAST)
    if not os.path.exists(last):
        return None
    try:
        embedding_rows(last)
        return saved_update(last)
    except Exception as err:  # noqa: BLE001 - any unreadable file is handled the same way
        # upstream writes model_last.pt in place: a job killed while saving leaves it truncated.
        aside = f"{last}.unreadable-{int(time.time())}"
        os.replace(last, aside)
        log.warning("model_last.pt is unreadable (%s): moved to %s", err, os.path.basename(aside))
        return None


def check_audio_paths(rows, arrow_path: str) -> None:
    """raw.arrow names its clips by absolute path (upstream's loader needs them so): a project
    moved after stage 4 points at clips that are gone. The first and last rows tell."""
    for path in {rows[0]["audio_path"], rows[-1]["audio_path"]} if len(rows) else ():
        if not os.path.exists(path):
            raise TrainingError(
                f"{arrow_path} names {path}, which does not exist (was the project moved after the "
                "features stage?): rebuild it with `snakemake features --forcerun build_features`"
            )
