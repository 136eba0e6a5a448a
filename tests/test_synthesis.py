"""Synthesis with the training text path: tokens, vocoders, the synthesize target and the CLI."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import soundfile

from conftest import copy_of_demo_run
from f5flow import dataset, synthesis, text


SENTENCES = [
    "Xin chào Việt Nam!",
    "Năm 2024, ĐH Bách Khoa có 1.500 sinh viên mới.",
    "“Hoà bình” – anh Đặng nói: khoảng 9:30 sáng.",
    "ÔNG ẤY ĐANG ĐỌC SÁCH Ở THỦ ĐÔ HÀ NỘI.",
]

TINY_VOCOS = """\
feature_extractor:
  class_path: vocos.feature_extractors.MelSpectrogramFeatures
  init_args: {sample_rate: 24000, n_fft: 1024, hop_length: 256, n_mels: 100, padding: center}
backbone:
  class_path: vocos.models.VocosBackbone
  init_args: {input_channels: 100, dim: 16, intermediate_dim: 32, num_layers: 1}
head:
  class_path: vocos.heads.ISTFTHead
  init_args: {dim: 16, n_fft: 1024, hop_length: 256, padding: center}
"""


@pytest.fixture(scope="module")
def voice(demo_run):
    ckpts = demo_run / "ckpts" / "demo"
    return synthesis.load_voice(str(ckpts / "inference.json"), str(ckpts / "model_last.pt"))


def test_synthesis_feeds_the_tokens_training_would_produce(voice, demo_run):
    from f5_tts.model.utils import convert_char_to_pinyin

    ref_audio = demo_run / "data" / "demo" / "wavs" / "vi_001.wav"
    ref_text = "Hôm nay trời đẹp quá, chúng ta đi dạo nhé."
    differs_upstream = 0
    for sentence in SENTENCES:
        sample = synthesis.synthesize(voice, str(ref_audio), ref_text, sentence, nfe_step=2)
        # what stage 1 + stage 4 make of the same text as a transcript
        trained = text.tokenise(text.canonical(sentence, voice.options))
        reference = text.tokenise(text.canonical(ref_text, voice.options))
        assert sample.tokens[: len(reference)] == reference
        assert sample.tokens[-len(trained):] == trained, (sample.tokens, trained)
        assert sample.unknown == [] and all(t in voice.vocab for t in sample.tokens)
        differs_upstream += convert_char_to_pinyin([sentence])[0] != trained
        assert len(sample.wave) > 0.5 * 24000 and np.abs(sample.wave).max() > 0.01
    # upstream's own text path would have fed other tokens for every one of them
    assert differs_upstream == len(SENTENCES)


def test_characters_the_model_cannot_say_are_reported(voice, demo_run):
    assert synthesis.unknown_characters(["xin chào", "☃ ω"], voice.vocab) == ["☃"]
    ref_audio = demo_run / "data" / "demo" / "wavs" / "vi_001.wav"
    sample = synthesis.synthesize(voice, str(ref_audio), "Hôm nay trời đẹp.", "Chữ Ж và ω.", nfe_step=2)
    assert sample.unknown == ["ω", "ж"]  # read out as "ô me ga", and dropped


def tiny_vocos(folder):
    import torch
    from vocos import Vocos

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(TINY_VOCOS)
    model = Vocos.from_hparams(str(folder / "config.yaml"))
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    return folder


def test_vocos_from_the_hugging_face_cache_offline(tmp_path, monkeypatch):
    from huggingface_hub import constants

    # the real layout: models--charactr--vocos-mel-24khz/snapshots/<commit>/{config.yaml,...}
    repo = tmp_path / "hub" / "models--charactr--vocos-mel-24khz"
    commit = "2" * 40
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    tiny_vocos(repo / "snapshots" / commit)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    assert synthesis.vocos_folder(None) == (str(repo / "snapshots" / commit), "")
    vocoder, name, note = synthesis.load_vocoder(None, "cpu")
    assert name.startswith("vocos (") and note == ""
    import torch

    wave = vocoder.decode(torch.randn(1, 100, 40))
    assert abs(wave.shape[-1] - 40 * 256) <= 256
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty"))
    assert synthesis.vocos_folder(None)[0] is None
    assert synthesis.load_vocoder(None, "cpu")[1] == synthesis.GRIFFIN_LIM
    # asked to fetch it, offline: known at once (no hub retries), Griffin-Lim, and why
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(synthesis.hub, "fetch", lambda spec: pytest.fail(f"fetched {spec} offline"))
    _, name, note = synthesis.load_vocoder(None, "cpu", fetch=True)
    assert name == synthesis.GRIFFIN_LIM and "HF_HUB_OFFLINE is set" in note


def test_vocos_from_a_local_folder_and_a_wrong_one(tmp_path):
    folder = tiny_vocos(tmp_path / "vocos")
    assert synthesis.load_vocoder(str(folder), "cpu")[1] == f"vocos ({folder})"
    (folder / "pytorch_model.bin").unlink()
    with pytest.raises(synthesis.SynthesisError, match="pytorch_model.bin"):
        synthesis.load_vocoder(str(folder), "cpu")


def test_griffin_lim_inverts_upstreams_mel(tmp_path):
    import torch
    from f5_tts.model.modules import MelSpec

    t = np.arange(24000) / 24000
    wave = torch.tensor(0.5 * np.sin(2 * np.pi * 440 * t), dtype=torch.float32)[None, :]
    mel = MelSpec(mel_spec_type="vocos")(wave)
    out = synthesis.GriffinLimVocoder().decode(mel)[0].numpy()
    assert abs(len(out) - 24000) <= 256
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) * 24000 / len(out) - 440) < 10  # the same tone comes back


def check_samples(paths):
    for path in paths:
        data, rate = soundfile.read(str(path))
        info = soundfile.info(str(path))
        assert (rate, info.channels) == (24000, 1)
        assert len(data) > 0.5 * rate and np.sqrt(np.mean(data**2)) > 1e-3, path


@pytest.mark.workflow
def test_synthesize_target_and_cli(demo_run, tmp_path):
    # the demo's default run (`all`) ends with the synthesize target's samples
    console = (demo_run / "console.txt").read_text(encoding="utf-8")
    assert console.count("no Vocos vocoder (") == 1  # the fallback is said on the console, once
    samples = demo_run / "samples" / "demo"
    record = json.loads((samples / "synthesis.json").read_text(encoding="utf-8"))
    assert record["vocoder"] == synthesis.GRIFFIN_LIM and len(record["samples"]) == 2
    # by default the best checkpoint, in the voice of a kept 3-12 s clip
    assert record["checkpoint"].endswith("ckpts/demo/best_model.pt")
    assert 3.0 <= soundfile.info(str(demo_run / record["reference"]["audio"])).duration <= 12.0
    check_samples(sorted(samples.glob("sample_*.wav")))
    assert len(list(samples.glob("sample_*.wav"))) == 2

    # the summary's command, in a copy of the project, twice: the checkpoints folder speaks with
    # best_model.pt, the reference is a kept 3-12 s clip, and the second call adds samples
    copy_of_demo_run(demo_run, tmp_path)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}  # asked to fetch Vocos, offline: known at once
    command = [sys.executable, "-m", "f5flow.cli", "synthesize", "--checkpoint", "ckpts/demo",
               "--text", "Xin chào các bạn.", "--text", "Ж là một chữ cái Nga.", "--nfe-step", "4"]  # fmt: skip
    first = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    said = first.stderr
    assert "f5flow synthesize: ckpts/demo/best_model.pt on cpu" in said
    reference = re.search(r"reference (\S+\.wav)", said).group(1)
    quality = {r["clip"]: r for r in dataset.read_tsv(tmp_path / "data" / "demo" / "quality.tsv")}
    assert 3.0 <= float(quality[os.path.basename(reference)[:-4]]["duration"]) <= 12.0
    assert said.count("no Vocos vocoder (not in the Hugging Face cache, and HF_HUB_OFFLINE is set)") == 1
    assert said.count("ж") == 1 and "dropped by the verbaliser): ж" in said  # said once
    made = tmp_path / "samples" / "demo"
    check_samples([made / "synthesized_001.wav", made / "synthesized_002.wav"])
    before = (made / "synthesized_001.wav").read_bytes()
    second = subprocess.run(command[:8] + ["--nfe-step", "4"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert (made / "synthesized_001.wav").read_bytes() == before  # never overwritten
    assert sorted(p.name for p in made.glob("synthesized_*.wav")) == [f"synthesized_00{i}.wav" for i in (1, 2, 3)]
