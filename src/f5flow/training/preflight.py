"""Checks before training: what would otherwise crash inside upstream's Trainer, hours in."""

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


def preflight(checkpoint_dir: str, vocab_size: int) -> int:
    """Refuse what would crash inside upstream's Trainer; returns the update training starts at."""
    pretrained = sorted(
        p for p in glob.glob(os.path.join(checkpoint_dir, "pretrained_*")) if not p.endswith(".partial")
    )
    if len(pretrained) != 1:
        raise TrainingError(
            f"{checkpoint_dir} must hold exactly one pretrained_* checkpoint (upstream's Trainer "
            f"takes whichever the folder lists first), found {[os.path.basename(p) for p in pretrained]}: "
            "remove the ones from earlier configurations"
        )
    rows = embedding_rows(pretrained[0])
    if rows != vocab_size + 1:
        raise TrainingError(
            f"{pretrained[0]} has {rows} text-embedding rows, vocab.txt {vocab_size} lines (needs "
            f"{vocab_size + 1}): re-run the extend stage for this vocab (`snakemake extend`)"
        )
    last = os.path.join(checkpoint_dir, MODEL_LAST)
    try:
        rows = embedding_rows(last) if os.path.exists(last) else None
    except Exception as err:  # noqa: BLE001 - any unreadable file is handled the same way
        # upstream writes model_last.pt in place: a job killed while saving leaves it truncated.
        aside = f"{last}.unreadable-{int(time.time())}"
        os.replace(last, aside)
        log.warning("model_last.pt is unreadable (%s): moved to %s", err, os.path.basename(aside))
        rows = None
    if rows is None:
        log.info("no model_last.pt: the Trainer starts from its newest model_N.pt or %s",
                 os.path.basename(pretrained[0]))
        return 0
    if rows != vocab_size + 1:
        raise TrainingError(
            f"{last} was trained with a vocab of {rows - 1} lines, vocab.txt has {vocab_size}: "
            f"move {checkpoint_dir}/model_*.pt away to start a new fine-tune for this vocab"
        )
    update = saved_update(last)
    log.info("resuming from model_last.pt at update %d", update)
    return update


def check_audio_paths(rows, arrow_path: str) -> None:
    """raw.arrow names its clips by absolute path (upstream's loader needs them so): a project
    moved after stage 4 points at clips that are gone. The first and last rows tell."""
    for path in {rows[0]["audio_path"], rows[-1]["audio_path"]} if len(rows) else ():
        if not os.path.exists(path):
            raise TrainingError(
                f"{arrow_path} names {path}, which does not exist (was the project moved after the "
                "features stage?): rebuild it with `snakemake features --forcerun build_features`"
            )
