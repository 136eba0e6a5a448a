"""Checkpoint surgery on tiny checkpoints in upstream's exact format."""

import pytest
import torch

from f5flow import weights
from f5flow.weights import EMBED_KEY

ARCH = {"dim": 16, "depth": 1, "heads": 2, "ff_mult": 2, "text_dim": 8, "conv_layers": 1}
PRETRAINED_LINES = 10


@pytest.fixture(params=["safetensors", "pt"])
def tiny(request, tmp_path):
    path = str(tmp_path / f"model_1.{request.param}")
    weights.build_tiny(path, PRETRAINED_LINES, "DiT", ARCH)
    return path


def test_tiny_checkpoint_has_the_released_layout(tiny):
    ckpt = weights.load(tiny)
    assert ckpt.embedding_rows == PRETRAINED_LINES + 1
    assert {"initted", "step"} <= set(ckpt.ema)
    assert all(k in ("initted", "step") or k.startswith("ema_model.transformer.") for k in ckpt.ema)
    if tiny.endswith(".pt"):
        assert set(torch.load(tiny, weights_only=True)) == {"ema_model_state_dict", "f5flow"}


def test_tiny_checkpoint_is_deterministic(tmp_path):
    a, b = str(tmp_path / "a.safetensors"), str(tmp_path / "b.safetensors")
    weights.build_tiny(a, PRETRAINED_LINES, "DiT", ARCH)
    weights.build_tiny(b, PRETRAINED_LINES, "DiT", ARCH)
    assert open(a, "rb").read() == open(b, "rb").read()


def test_extend_keeps_old_rows_and_seeds_new_ones(tiny, tmp_path):
    ckpt = weights.load(tiny)
    ext = weights.extend(ckpt, PRETRAINED_LINES, PRETRAINED_LINES + 3, "abc")
    out = str(tmp_path / f"pretrained_x.{ckpt.format}")
    weights.save(out, ext)
    again = weights.load(out)
    old, new = ckpt.ema[EMBED_KEY], again.ema[EMBED_KEY]
    assert new.shape == (PRETRAINED_LINES + 4, ARCH["text_dim"])
    assert torch.equal(new[: PRETRAINED_LINES + 1], old)  # bit for bit
    torch.manual_seed(666)
    assert torch.equal(new[PRETRAINED_LINES + 1 :], torch.randn(3, ARCH["text_dim"]))
    for key, value in ckpt.ema.items():
        if key != EMBED_KEY:
            assert torch.equal(again.ema[key], value), key
    assert again.meta["vocab_sha256"] == "abc" and again.meta["new_rows"] == "3"


def test_mean_initialisation(tiny):
    ckpt = weights.load(tiny)
    ext = weights.extend(ckpt, PRETRAINED_LINES, PRETRAINED_LINES + 2, "abc", init="mean")
    mean = ckpt.ema[EMBED_KEY][1:].mean(dim=0)
    assert torch.allclose(ext.ema[EMBED_KEY][-1], mean) and torch.allclose(ext.ema[EMBED_KEY][-2], mean)


def test_training_state_is_dropped(tmp_path, tiny):
    ema = weights.load(tiny).ema
    path = str(tmp_path / "model_500.pt")
    torch.save(
        {
            "ema_model_state_dict": ema,
            "model_state_dict": {},
            "optimizer_state_dict": {},
            "scheduler_state_dict": {},
            "update": 500,
        },
        path,
    )
    ckpt = weights.load(path)
    assert ckpt.dropped == ["model_state_dict", "optimizer_state_dict", "scheduler_state_dict", "update"]
    out = str(tmp_path / "pretrained_model_500.pt")
    weights.save(out, weights.extend(ckpt, PRETRAINED_LINES, PRETRAINED_LINES + 1, "abc"))
    assert set(torch.load(out, weights_only=True)) == {"ema_model_state_dict", "f5flow"}


def test_rows_not_matching_the_pretrained_vocab_are_refused(tiny):
    with pytest.raises(weights.CheckpointError, match="set pretrained_vocab"):
        weights.extend(weights.load(tiny), PRETRAINED_LINES - 1, PRETRAINED_LINES + 2, "abc")


def test_already_extended_for_another_vocab_is_refused(tiny, tmp_path):
    ckpt = weights.load(tiny)
    first = weights.extend(ckpt, PRETRAINED_LINES, PRETRAINED_LINES + 2, "vocab-one")
    with pytest.raises(weights.CheckpointError, match="already extended"):
        weights.extend(first, PRETRAINED_LINES, PRETRAINED_LINES + 2, "vocab-two")
    same = weights.extend(first, PRETRAINED_LINES, PRETRAINED_LINES + 2, "vocab-one")
    assert torch.equal(same.ema[EMBED_KEY], first.ema[EMBED_KEY])


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / "x.pt"
    torch.save({"something": torch.zeros(1)}, str(path))
    with pytest.raises(weights.CheckpointError, match="no ema_model"):
        weights.load(str(path))
    with pytest.raises(weights.CheckpointError, match=".pt or .safetensors"):
        weights.load(str(tmp_path / "x.bin"))


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("hf://SWivid/F5-TTS/F5TTS_v1_Base/model_1250000.safetensors", "pretrained_model_1250000.safetensors"),
        ("/x/pretrained_model_1200000.pt", "pretrained_model_1200000.pt"),
    ],
)
def test_pretrained_name(source, name):
    assert weights.pretrained_name(source) == name


def test_remapped_rows_follow_their_characters():
    import torch

    old = torch.arange(4.0).unsqueeze(1).repeat(1, 2)  # filler, a, b, c
    fallback = -torch.arange(5.0).unsqueeze(1).repeat(1, 2)  # filler, a, c, d, e (pretrained/new)
    rows = weights.remap_rows(old, ["a", "b", "c"], ["a", "c", "d", "e"], fallback)
    assert rows[:, 0].tolist() == [0.0, 1.0, 3.0, -3.0, -4.0]
