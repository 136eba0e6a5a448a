"""Model architecture and construction with upstream's classes."""

from __future__ import annotations

import importlib.resources
import os

from .errors import F5flowError
from .text import TextOptions, tokenisation_contract

# Fixed by F5-TTS's vocoder (vocos): every released model uses these.
MEL_SPEC = {
    "target_sample_rate": 24000,
    "n_mel_channels": 100,
    "hop_length": 256,
    "win_length": 1024,
    "n_fft": 1024,
    "mel_spec_type": "vocos",
}


class ModelError(F5flowError):
    pass


def upstream_architecture(exp_name: str) -> tuple[str, dict]:
    """(backbone, arch) of an upstream model config, read from the installed f5-tts."""
    import yaml

    path = importlib.resources.files("f5_tts").joinpath(f"configs/{exp_name}.yaml")
    if not path.is_file():
        raise ModelError(
            f"finetune.exp_name {exp_name!r} is no upstream model config (f5_tts/configs): "
            "name one, or give model.backbone and model.arch"
        )
    model = yaml.safe_load(path.read_text())["model"]
    return model["backbone"], dict(model["arch"])


def architecture(exp_name: str, backbone: str | None, arch: dict | None) -> tuple[str, dict]:
    """The config's explicit architecture, else upstream's for exp_name."""
    if backbone and arch:
        return backbone, dict(arch)
    return upstream_architecture(exp_name)


def build_model(backbone: str, arch: dict, vocab_lines: int, vocab_char_map=None):
    """upstream CFM around the backbone, sized for `vocab_lines` tokens (+1 filler row)."""
    from f5_tts.model import CFM, DiT, UNetT

    classes = {"DiT": DiT, "UNetT": UNetT}
    if backbone not in classes:
        raise ModelError(f"model.backbone {backbone!r}: one of {sorted(classes)}")
    transformer = classes[backbone](
        **arch, text_num_embeds=vocab_lines, mel_dim=MEL_SPEC["n_mel_channels"]
    )
    return CFM(transformer=transformer, mel_spec_kwargs=MEL_SPEC, vocab_char_map=vocab_char_map)


def card(
    vocab_path: str,
    vocab_sha256: str,
    vocab_lines: int,
    text_options: dict,
    exp_name: str,
    backbone: str,
    arch: dict,
    source: str,
    extended_checkpoint: str,
) -> dict:
    """inference.json: what a later inference needs to use the fine-tuned checkpoints."""
    return {
        "vocab_file": os.path.abspath(vocab_path),
        "vocab_sha256": vocab_sha256,
        "vocab_lines": vocab_lines,
        "tokenisation": tokenisation_contract(TextOptions(**text_options)),
        "model": {
            "exp_name": exp_name,
            "backbone": backbone,
            "arch": arch,
            "mel_spec": MEL_SPEC,
        },
        "pretrained": {
            "source": source,
            "extended_checkpoint": os.path.abspath(extended_checkpoint),
        },
    }
