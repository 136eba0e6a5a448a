"""Speech recognition for recordings that come without a text (issue 26): Whisper through
`transformers`, as upstream F5-TTS's fine-tune app transcribes (openai/whisper-large-v3-turbo by
default), loaded from the Hugging Face cache by the rules every model here follows (hub.py).

Each piece of speech is transcribed in the configured language; its confidence is the geometric
mean of the probabilities the model gave the tokens it wrote (exp of their mean log-probability),
so 1.0 is a model certain of every token and a piece below `min_confidence` is dropped.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from . import hub

log = logging.getLogger(__name__)

RATE = 16000  # what Whisper's feature extractor takes


@dataclass(frozen=True)
class Heard:
    text: str
    confidence: float  # exp(mean log-probability of the tokens written), 0-1


class Recogniser:
    def __init__(self, spec: str, language: str, batch_size: int = 8, device: str | None = None):
        import torch
        from transformers import WhisperForConditionalGeneration, WhisperProcessor

        folder = hub.model_folder(spec, "segmentation.recogniser")
        self.spec, self.language, self.batch_size = spec, language, batch_size
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.float16 if self.device.startswith("cuda") else torch.float32
        self.processor = WhisperProcessor.from_pretrained(folder)
        self.model = WhisperForConditionalGeneration.from_pretrained(folder, dtype=dtype).to(self.device).eval()
        log.info("recogniser %s (%s) on %s", spec, folder, self.device)

    def transcribe(self, pieces: list[np.ndarray]) -> list[Heard]:
        """What each piece of speech (mono float at RATE, at most 30 s) says, in batches."""
        heard: list[Heard] = []
        for first in range(0, len(pieces), self.batch_size):
            heard += self._batch(pieces[first: first + self.batch_size])
        return heard

    def _batch(self, pieces: list[np.ndarray]) -> list[Heard]:
        import torch

        features = self.processor([p.astype(np.float32) for p in pieces], sampling_rate=RATE, return_tensors="pt")
        inputs = features.input_features.to(self.device, self.model.dtype)
        with torch.inference_mode():
            out = self.model.generate(inputs, language=self.language, task="transcribe",
                                      return_dict_in_generate=True, output_scores=True)  # fmt: skip
            scores = self.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
        written = out.sequences[:, -scores.shape[1]:]  # the tokens the scores are of
        pad = self.processor.tokenizer.pad_token_id
        heard = []
        for tokens, logprobs, text in zip(written, scores, self.processor.batch_decode(out.sequences, skip_special_tokens=True)):
            mine = logprobs[(tokens != pad) & torch.isfinite(logprobs)].float()
            confidence = math.exp(mine.mean().item()) if len(mine) else 0.0
            heard.append(Heard(text.strip(), round(confidence, 4)))
        return heard
