"""What the fine-tune refuses or repairs before upstream's Trainer would crash on it."""

import os

import pytest
import torch

from f5flow import weights
from f5flow.training import TrainingError, checks_in_job

ARCH = {"dim": 16, "depth": 1, "heads": 2, "text_dim": 8}


@pytest.fixture
def ckpt_dir(tmp_path):
    weights.build_tiny(str(tmp_path / "pretrained_model_1.safetensors"), 10, "DiT", ARCH)
    return tmp_path


def test_fresh_start(ckpt_dir):
    assert checks_in_job.check_pretrained(str(ckpt_dir), vocab_size=10).endswith("pretrained_model_1.safetensors")
    assert checks_in_job.readable_model_last(str(ckpt_dir)) is None


def test_two_pretrained_files_are_refused(ckpt_dir):
    weights.build_tiny(str(ckpt_dir / "pretrained_model_2.pt"), 10, "DiT", ARCH)
    with pytest.raises(TrainingError, match="exactly one pretrained_"):
        checks_in_job.check_pretrained(str(ckpt_dir), vocab_size=10)


def test_pretrained_rows_must_fit_the_vocab(ckpt_dir):
    with pytest.raises(TrainingError, match="snakemake extend"):
        checks_in_job.check_pretrained(str(ckpt_dir), vocab_size=12)


def test_resume_reports_the_saved_update(ckpt_dir):
    ema = weights.load(str(ckpt_dir / "pretrained_model_1.safetensors")).ema
    torch.save({"ema_model_state_dict": ema, "update": 42}, str(ckpt_dir / "model_last.pt"))
    assert checks_in_job.readable_model_last(str(ckpt_dir)) == 42


def test_model_last_from_another_vocab_is_refused(ckpt_dir, tmp_path):
    other = tmp_path / "other.safetensors"
    weights.build_tiny(str(other), 12, "DiT", ARCH)
    torch.save({"ema_model_state_dict": weights.load(str(other)).ema, "update": 5},
               str(ckpt_dir / "model_last.pt"))
    with pytest.raises(TrainingError, match="a vocab of 12 lines.*finetune.resume: restart"):
        checks_in_job.check_rows(str(ckpt_dir / "model_last.pt"), 10, "set finetune.resume: restart")


def test_truncated_model_last_is_moved_aside(ckpt_dir):
    ema = weights.load(str(ckpt_dir / "pretrained_model_1.safetensors")).ema
    torch.save({"ema_model_state_dict": ema, "update": 7}, str(ckpt_dir / "model_last.pt"))
    data = (ckpt_dir / "model_last.pt").read_bytes()
    (ckpt_dir / "model_last.pt").write_bytes(data[: len(data) // 2])  # killed while saving
    assert checks_in_job.readable_model_last(str(ckpt_dir)) is None
    assert not (ckpt_dir / "model_last.pt").exists()
    assert any(name.startswith("model_last.pt.unreadable-") for name in os.listdir(ckpt_dir))
