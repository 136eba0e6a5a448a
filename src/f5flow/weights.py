"""Checkpoint files in upstream F5-TTS's format: extension for new characters, the demo stand-in.

Upstream keeps the text embedding of the EMA model under EMBED_KEY with one row per vocab line
plus row 0 (the filler token), so rows == vocab lines + 1. Released checkpoints hold the EMA
weights only: `.safetensors` as a flat dict, `.pt` as {"ema_model_state_dict": ...}. A checkpoint
that also holds optimizer/scheduler state and an `update` counter makes upstream's Trainer resume
instead of starting a fine-tune, so the extended checkpoint keeps the EMA weights only.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import F5flowError

if TYPE_CHECKING:
    # imported where used: Snakemake imports this module each time it parses the workflow
    import torch

log = logging.getLogger(__name__)

EMBED_KEY = "ema_model.transformer.text_embed.text_embed.weight"
EMA_KEY = "ema_model_state_dict"
# Where f5flow records which vocab a checkpoint was extended for (safetensors metadata, or a
# top-level key of a .pt; upstream loaders read neither).
META_KEY = "f5flow"
# The recipe's seed for the new rows (upstream finetune_gradio.expand_model_embeddings).
SEED = 666


class CheckpointError(F5flowError):
    pass


@dataclass
class Checkpoint:
    ema: dict[str, torch.Tensor]
    format: str  # "safetensors" | "pt"
    meta: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    @property
    def embedding_rows(self) -> int:
        return self.ema[EMBED_KEY].shape[0]


def checkpoint_format(path: str) -> str:
    if path.endswith(".safetensors"):
        return "safetensors"
    if path.endswith(".pt"):
        return "pt"
    raise CheckpointError(f"{path}: a checkpoint must be .pt or .safetensors")


def load(path: str) -> Checkpoint:
    """Read the EMA weights of a checkpoint; other training state is listed in `dropped`."""
    fmt = checkpoint_format(path)
    if not os.path.exists(path):
        raise CheckpointError(f"checkpoint {path} does not exist")
    if fmt == "safetensors":
        from safetensors import safe_open
        from safetensors.torch import load_file

        with safe_open(path, framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get(META_KEY, "{}"))
        ckpt = Checkpoint(load_file(path, device="cpu"), fmt, meta)
    else:
        import torch

        data = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(data, dict):
            raise CheckpointError(f"{path}: not a checkpoint dict")
        meta = data.get(META_KEY, {})
        if EMA_KEY in data:
            dropped = sorted(k for k in data if k not in (EMA_KEY, META_KEY))
            ckpt = Checkpoint(dict(data[EMA_KEY]), fmt, meta, dropped)
        else:
            ckpt = Checkpoint({k: v for k, v in data.items() if k != META_KEY}, fmt, meta)
    if EMBED_KEY not in ckpt.ema:
        raise CheckpointError(
            f"{path}: no {EMBED_KEY} (is it an F5-TTS checkpoint with EMA weights? "
            "E2-TTS and compiled '_orig_mod.' checkpoints are not supported)"
        )
    return ckpt


def save(path: str, ckpt: Checkpoint) -> None:
    tmp = path + ".partial"
    if ckpt.format == "safetensors":
        from safetensors.torch import save_file

        tensors = {k: v.contiguous() for k, v in ckpt.ema.items()}
        save_file(tensors, tmp, metadata={META_KEY: json.dumps(ckpt.meta, sort_keys=True)})
    else:
        import torch

        torch.save({EMA_KEY: ckpt.ema, META_KEY: ckpt.meta}, tmp)
    os.replace(tmp, path)


def new_rows(existing: torch.Tensor, count: int, init: str = "randn") -> torch.Tensor:
    """Rows for new characters: N(0, 1) after seed 666 as the recipe does, or the mean row."""
    import torch

    if init == "randn":
        torch.manual_seed(SEED)
        rows = torch.randn(count, existing.shape[1])
    elif init == "mean":
        # Row 0 is the filler token, not a character: leave it out of the mean.
        rows = existing[1:].float().mean(dim=0, keepdim=True).expand(count, -1).clone()
    else:
        raise CheckpointError(f"unknown new-row initialisation {init!r}")
    return rows.to(existing.dtype)


def extend(
    ckpt: Checkpoint,
    pretrained_lines: int,
    vocab_lines: int,
    vocab_sha256: str,
    init: str = "randn",
    source: str = "",
) -> Checkpoint:
    """The checkpoint with one embedding row appended per vocab line beyond the pretrained vocab.

    Refuses a checkpoint whose rows do not fit the pretrained vocab, unless f5flow already
    extended it for this very vocab (then it passes through unchanged).
    """
    rows = ckpt.embedding_rows
    if rows == vocab_lines + 1 and ckpt.meta.get("vocab_sha256") == vocab_sha256:
        log.info("checkpoint already extended for this vocab (%d rows): copied as it is", rows)
        return Checkpoint(dict(ckpt.ema), ckpt.format, dict(ckpt.meta))
    if ckpt.meta.get("vocab_sha256"):
        raise CheckpointError(
            f"the checkpoint was already extended by f5flow for another vocab "
            f"({ckpt.meta.get('vocab_lines')} lines, sha256 {ckpt.meta['vocab_sha256'][:12]}...): "
            "set pretrained_checkpoint to the checkpoint it was extended from, or set "
            "pretrained_vocab to the vocab.txt it was extended for"
        )
    if rows != pretrained_lines + 1:
        raise CheckpointError(
            f"the checkpoint's text embedding has {rows} rows but the pretrained vocab has "
            f"{pretrained_lines} lines (it needs {pretrained_lines + 1} rows: one per line plus "
            "the filler row): set pretrained_vocab to the vocab this checkpoint was trained with"
        )
    count = vocab_lines - pretrained_lines
    if count < 0:
        raise CheckpointError("vocab.txt is shorter than the pretrained vocab")
    import torch

    ema = dict(ckpt.ema)
    old = ema[EMBED_KEY]
    ema[EMBED_KEY] = torch.cat([old, new_rows(old, count, init)]) if count else old.clone()
    meta = {
        "vocab_sha256": vocab_sha256,
        "vocab_lines": str(vocab_lines),
        "pretrained_rows": str(rows),
        "new_rows": str(count),
        "new_row_init": init,
        "source": source,
    }
    return Checkpoint(ema, ckpt.format, meta)


# The same text embedding in upstream's training checkpoints (model_last.pt): the online model's
# key, and the EMA model's (EMBED_KEY).
MODEL_EMBED_KEY = EMBED_KEY[len("ema_model.") :]


def remap_rows(old: torch.Tensor, old_vocab: list[str], new_vocab: list[str], fallback: torch.Tensor):
    """Text-embedding rows for `new_vocab` from rows trained for `old_vocab`: a character keeps its
    trained row wherever its line moved; a character the old vocab lacks takes its row from
    `fallback` (the extended pretrained checkpoint's, sized for new_vocab). Row 0 is the filler."""
    import torch

    position = {line: i + 1 for i, line in enumerate(old_vocab)}
    rows = [old[0]] + [
        old[position[line]] if line in position else fallback[i + 1] for i, line in enumerate(new_vocab)
    ]
    return torch.stack(rows).to(old.dtype)


def remap_training_checkpoint(
    path: str, old_vocab: list[str], new_vocab: list[str], pretrained: str, out: str
) -> None:
    """A run's model_last.pt (model and EMA weights) with its text embedding remapped to a new
    vocab, for a new run to continue from (optimizer and schedule are not kept)."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    fallback = load(pretrained).ema[EMBED_KEY]
    model = dict(state["model_state_dict"])
    ema = dict(state[EMA_KEY])
    model[MODEL_EMBED_KEY] = remap_rows(model[MODEL_EMBED_KEY], old_vocab, new_vocab, fallback)
    ema[EMBED_KEY] = remap_rows(ema[EMBED_KEY], old_vocab, new_vocab, fallback)
    torch.save({"model_state_dict": model, EMA_KEY: ema}, out + ".partial")
    os.replace(out + ".partial", out)


def pretrained_name(source: str) -> str:
    """Upstream's file name for the fine-tune's starting point: pretrained_<basename>."""
    base = os.path.basename(source.rstrip("/"))
    return base if base.startswith("pretrained_") else f"pretrained_{base}"


def build_tiny(path: str, vocab_lines: int, backbone: str, arch: dict, seed: int = 0) -> None:
    """A small randomly initialised model in the released checkpoints' exact format.

    It stands in for the downloaded pretrained model in the offline demo and the tests.
    """
    import torch
    from ema_pytorch import EMA

    from .model import build_model

    torch.manual_seed(seed)
    model = build_model(backbone, arch, vocab_lines)
    ema = EMA(model, include_online_model=False)  # as upstream's Trainer builds it
    save(path, Checkpoint(dict(ema.state_dict()), checkpoint_format(path)))
