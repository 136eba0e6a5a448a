"""Speech from a fine-tuned checkpoint, with exactly the text path training used.

Upstream's inference (`f5-tts_infer-cli`, `infer_process`) runs every text through
`convert_char_to_pinyin`, which splits Vietnamese words (`đang` -> `đ ang`) and maps most
Vietnamese capitals to nothing, with no switch to turn it off. Here the texts are made canonical
with the options recorded in the model card (`inference.json`: `text.canonical`, the same
function stage 1 applied to every transcript), tokenised one character per token as in
raw.arrow, and handed to upstream's own sampling (`infer_batch_process`: CFM.sample, the
reference-audio conditioning, the duration estimate) with its pinyin step replaced by
`text.tokenise` for the duration of the call.

Vocoder: Vocos (what every released F5-TTS v1 model uses) from a local folder holding
`config.yaml` + `pytorch_model.bin`, or from the Hugging Face cache (`charactr/vocos-mel-24khz`).
Where neither exists (the offline demo) the mel spectrogram is inverted by Griffin-Lim: audible,
rough, and said so in the result (`vocoder: griffin-lim`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass, field

from . import audio, hub, text, vocabulary
from .errors import F5flowError
from .model import MEL_SPEC, build_model
from .whole import written

log = logging.getLogger(__name__)

VOCOS_REPO = "charactr/vocos-mel-24khz"
VOCOS_FILES = ("config.yaml", "pytorch_model.bin")
GRIFFIN_LIM = "griffin-lim"


class SynthesisError(F5flowError):
    pass


@dataclass
class Voice:
    """A loaded model with its vocab, text options and vocoder."""

    model: object
    vocoder: object
    vocoder_name: str  # "vocos" (with where from) or GRIFFIN_LIM
    options: text.TextOptions
    vocab: dict[str, int]
    device: str
    vocoder_note: str = ""  # why the vocoder is Griffin-Lim ("" for Vocos), for the caller to say


@dataclass
class Sample:
    wave: object  # numpy float32, 24 kHz mono
    mel: object  # numpy [n_mels, frames]
    tokens: list[str]  # what the model was fed: reference text + text
    unknown: list[str] = field(default_factory=list)  # characters the model cannot say (the caller says them)


def device_for(choice: str) -> str:
    """`auto`: a GPU when torch sees one, else the CPU (the caller says which on the console)."""
    if choice != "auto":
        return choice
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def read_card(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        card = json.load(f)
    if "tokenisation" not in card or "model" not in card:
        raise SynthesisError(f"{path} is no f5flow model card (inference.json)")
    return card


def text_options(card: dict) -> text.TextOptions:
    """The canonicalisation the model was trained with, from its card."""
    recorded = card["tokenisation"]
    fields = {k: recorded[k] for k in ("lowercase", "tone_marks", "verbalise") if k in recorded}
    if len(fields) != 3:
        raise SynthesisError(
            "the model card predates the recorded text options: rebuild it with "
            "`snakemake extend --forcerun write_model_card`"
        )
    return text.TextOptions(**fields)


class GriffinLimVocoder:
    """Log-mel (upstream's vocos mel) -> waveform by Griffin-Lim: no weights needed."""

    def __init__(self, iterations: int = 32):
        import torchaudio

        n_stft = MEL_SPEC["n_fft"] // 2 + 1
        self.inverse_mel = torchaudio.transforms.InverseMelScale(
            n_stft=n_stft,
            n_mels=MEL_SPEC["n_mel_channels"],
            sample_rate=MEL_SPEC["target_sample_rate"],
        )
        self.griffin_lim = torchaudio.transforms.GriffinLim(
            n_fft=MEL_SPEC["n_fft"],
            win_length=MEL_SPEC["win_length"],
            hop_length=MEL_SPEC["hop_length"],
            power=1,
            n_iter=iterations,
        )

    def decode(self, mel):
        import torch

        magnitude = self.inverse_mel(torch.exp(mel.float().cpu()))
        return self.griffin_lim(magnitude.clamp(min=0))


def vocos_folder(local_path: str | None, fetch: bool = False) -> tuple[str | None, str]:
    """(a folder with Vocos's two files: the one given, else the Hugging Face cache's, fetched
    into it first when `fetch` and the hub answers; or None, and why)."""
    if local_path:
        missing = [f for f in VOCOS_FILES if not os.path.isfile(os.path.join(local_path, f))]
        if missing:
            raise SynthesisError(
                f"synthesize.vocoder_path {local_path}: no {' or '.join(missing)} (a Vocos model "
                f"folder as {VOCOS_REPO} holds)"
            )
        return local_path, ""
    from huggingface_hub import try_to_load_from_cache

    found = [try_to_load_from_cache(repo_id=VOCOS_REPO, filename=f) for f in VOCOS_FILES]
    if all(isinstance(p, str) for p in found) and len({os.path.dirname(p) for p in found}) == 1:
        return os.path.dirname(found[0]), ""
    if not fetch:
        return None, "not in the Hugging Face cache, and fetching is off"
    spec = f"{hub.HF_SCHEME}{VOCOS_REPO}/{VOCOS_FILES[0]}"
    why = hub.unreachable(spec, timeout=3)  # known at once offline, not after the hub's retries
    if why:
        return None, f"not in the Hugging Face cache, and {why}"
    try:
        fetched = [hub.fetch(f"{hub.HF_SCHEME}{VOCOS_REPO}/{name}") for name in VOCOS_FILES]
    except hub.HubError as err:
        return None, f"not in the Hugging Face cache, and fetching failed ({err})"
    return os.path.dirname(fetched[0]), ""


def load_vocoder(local_path: str | None, device: str, fetch: bool = False) -> tuple[object, str, str]:
    """(the vocoder, its name, and why it is Griffin-Lim: "" for Vocos). Nothing is logged here:
    the caller says it once."""
    from f5_tts.infer.utils_infer import load_vocoder as upstream_load_vocoder

    folder, why = vocos_folder(local_path, fetch)
    if folder is None:
        return GriffinLimVocoder(), GRIFFIN_LIM, (
            f"no Vocos vocoder ({why}): the samples are Griffin-Lim inversions of the mel, rough "
            f"whatever the model learned; fetch it with `hf download {VOCOS_REPO}` or give a "
            "Vocos folder (synthesize.vocoder_path, --vocoder-path)"
        )
    return upstream_load_vocoder("vocos", is_local=True, local_path=folder, device=device), (
        f"vocos ({folder})"
    ), ""


def load_voice(
    card_path: str, checkpoint: str, vocoder_path: str | None = None, device: str = "cpu",
    fetch_vocoder: bool = False,
) -> Voice:  # fmt: skip
    from f5_tts.infer.utils_infer import load_checkpoint

    card = read_card(card_path)
    lines = vocabulary.read_lines(card["vocab_file"])
    if len(lines) != card["vocab_lines"]:
        raise SynthesisError(f"{card['vocab_file']} changed since the model card was written")
    vocab = {ch: i for i, ch in enumerate(lines)}
    spec = card["model"]
    model = build_model(spec["backbone"], spec["arch"], len(lines), vocab_char_map=vocab)
    if not os.path.isfile(checkpoint):
        raise SynthesisError(f"checkpoint {checkpoint} not found")
    import torch

    # upstream picks fp16 on CUDA; on the CPU float32 (its default would query CUDA)
    model = load_checkpoint(model, checkpoint, device, dtype=None if "cuda" in device else torch.float32)
    vocoder, name, note = load_vocoder(vocoder_path, device, fetch_vocoder)
    return Voice(model.eval(), vocoder, name, text_options(card), vocab, device, note)


@contextlib.contextmanager
def training_tokenisation(fed: list):
    """Upstream's sampling with text.tokenise in place of convert_char_to_pinyin; `fed` collects
    the token lists the model receives."""
    from f5_tts.infer import utils_infer

    original = utils_infer.convert_char_to_pinyin

    def tokenise_all(text_list, polyphone=True):
        tokens = [text.tokenise(t) for t in text_list]
        fed.extend(tokens)
        return tokens

    utils_infer.convert_char_to_pinyin = tokenise_all
    try:
        yield
    finally:
        utils_infer.convert_char_to_pinyin = original


def unknown_characters(texts: list[str], vocab: dict[str, int]) -> list[str]:
    return sorted({ch for t in texts for ch in t if ch not in vocab})


def synthesize(
    voice: Voice,
    ref_audio: str,
    ref_text: str,
    gen_text: str,
    nfe_step: int = 32,
    seed: int | None = 666,
    speed: float = 1.0,
) -> Sample:
    """`gen_text` in the voice of `ref_audio` (whose words are `ref_text`)."""
    import numpy as np
    import torch
    from f5_tts.infer.utils_infer import infer_batch_process

    ref = text.canonical(ref_text, voice.options)
    gen = text.canonical(gen_text, voice.options)
    # upstream maps characters outside the vocab to id 0 (a space); the verbaliser drops letters
    # it cannot read: both are said, never silently lost
    unknown = sorted(set(unknown_characters([ref, gen], voice.vocab))
                     | set(text.lost_letters(ref_text, ref)) | set(text.lost_letters(gen_text, gen)))  # fmt: skip
    decoded = audio.load(ref_audio)
    if decoded.samples is None:
        raise SynthesisError(f"reference audio {ref_audio} is too long (use 3-12 s of speech)")
    mono = torch.from_numpy(np.ascontiguousarray(decoded.samples.mean(axis=1)))[None, :]
    if seed is not None:
        torch.manual_seed(seed)
    fed: list[list[str]] = []
    with training_tokenisation(fed):
        wave, _, mel = next(
            infer_batch_process(
                (mono, decoded.sample_rate),
                ref,
                [gen],
                voice.model,
                voice.vocoder,
                mel_spec_type=MEL_SPEC["mel_spec_type"],
                progress=None,
                nfe_step=nfe_step,
                speed=speed,
                device=voice.device,
            )
        )
    return Sample(np.asarray(wave, dtype=np.float32), mel, fed[0], unknown)


def trained_checkpoint(done: str) -> str:
    """The checkpoint to speak with by default, from the fine-tune's record
    (finetune_complete.json): best_model.pt where validation chose one, else model_last.pt;
    found beside the record (the record's paths are where the project was when it trained)."""
    with open(done, encoding="utf-8") as f:
        record = json.load(f)
    folder = os.path.dirname(done)
    best = record.get("best_checkpoint")
    if best and os.path.isfile(os.path.join(folder, os.path.basename(best))):
        return os.path.join(folder, os.path.basename(best))
    return os.path.join(folder, os.path.basename(record["checkpoint"]))


def write_wav(path: str, wave) -> None:
    import soundfile

    with written(path) as partial:
        soundfile.write(partial, wave, MEL_SPEC["target_sample_rate"], subtype="PCM_16")
