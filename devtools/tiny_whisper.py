"""A tiny Whisper (about 90k parameters) in transformers' files, in a Hugging Face cache: what
the tests load instead of openai/whisper-large-v3-turbo, through the same loading code.

The real classes and files (config.json, generation_config.json with Whisper's language and task
tokens, model.safetensors, a byte-level tokenizer with Whisper's special tokens, the feature
extractor), random weights, then a few seconds of training so that it says `says` for any speech
(`steps=0`: untrained, it writes noise with a low confidence).
"""

from __future__ import annotations

import json
import os
import shutil

SPECIALS = ["<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|vi|>", "<|translate|>", "<|transcribe|>",
            "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]  # fmt: skip


def build(out: str, says: str = "xin chào các bạn", steps: int = 150, seed: int = 0) -> None:
    import numpy as np
    import torch
    from transformers import (GenerationConfig, WhisperConfig, WhisperFeatureExtractor,
                              WhisperForConditionalGeneration, WhisperProcessor, WhisperTokenizer)  # fmt: skip
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    os.makedirs(out, exist_ok=True)
    vocab = {symbol: i for i, symbol in enumerate(bytes_to_unicode().values())}
    vocab.update({special: len(vocab) + i for i, special in enumerate(SPECIALS)})
    with open(os.path.join(out, "vocab.json"), "w") as f:
        json.dump(vocab, f)
    with open(os.path.join(out, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n")
    end = "<|endoftext|>"
    tokenizer = WhisperTokenizer(os.path.join(out, "vocab.json"), os.path.join(out, "merges.txt"),
                                 unk_token=end, bos_token=end, eos_token=end, pad_token=end)  # fmt: skip
    tokenizer.add_special_tokens({"additional_special_tokens": SPECIALS[1:]})
    ids = {s: tokenizer.convert_tokens_to_ids(s) for s in SPECIALS}
    extractor = WhisperFeatureExtractor(feature_size=80)
    config = WhisperConfig(
        vocab_size=len(vocab), num_mel_bins=80, d_model=32, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
        max_source_positions=1500, max_target_positions=128, decoder_start_token_id=ids["<|startoftranscript|>"],
        pad_token_id=ids[end], bos_token_id=ids[end], eos_token_id=ids[end],
        begin_suppress_tokens=None, suppress_tokens=None,
    )  # fmt: skip
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=ids["<|startoftranscript|>"], eos_token_id=ids[end], pad_token_id=ids[end],
        bos_token_id=ids[end], max_length=128, is_multilingual=True,
        lang_to_id={"<|en|>": ids["<|en|>"], "<|vi|>": ids["<|vi|>"]},
        task_to_id={"translate": ids["<|translate|>"], "transcribe": ids["<|transcribe|>"]},
        no_timestamps_token_id=ids["<|notimestamps|>"],
    )  # fmt: skip
    if steps:
        rng = np.random.default_rng(seed)
        noise = [rng.standard_normal(16000 * n).astype(np.float32) * 0.1 for n in (2, 3, 5, 8)]
        features = extractor(noise, sampling_rate=16000, return_tensors="pt").input_features
        target = [ids["<|vi|>"], ids["<|transcribe|>"], ids["<|notimestamps|>"]]
        target += tokenizer(says, add_special_tokens=False).input_ids + [ids[end]]
        labels = torch.tensor([target] * len(noise))
        optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
        for _ in range(steps):
            loss = model(input_features=features, labels=labels).loss
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.save_pretrained(out)
    WhisperProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(out)


def into_hf_cache(folder: str, hf_home: str, repo_id: str) -> dict:
    """`folder`'s files as revision main of model `repo_id` in the cache HF_HOME=hf_home, laid
    out as huggingface_hub writes it; the environment that reads it offline."""
    owner, name = repo_id.split("/")
    repo = os.path.join(hf_home, "hub", f"models--{owner}--{name}")
    commit = "2" * 40
    os.makedirs(os.path.join(repo, "refs"), exist_ok=True)
    with open(os.path.join(repo, "refs", "main"), "w") as f:
        f.write(commit)
    shutil.copytree(folder, os.path.join(repo, "snapshots", commit), dirs_exist_ok=True)
    return {"HF_HOME": hf_home, "HF_HUB_OFFLINE": "1"}
