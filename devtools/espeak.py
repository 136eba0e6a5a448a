"""Synthetic Vietnamese recordings from espeak-ng, for the demo dataset and benchmarks."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

ENCODINGS = {
    "PCM_16": ["-e", "signed-integer", "-b", "16"],
    "PCM_24": ["-e", "signed-integer", "-b", "24"],
    "FLOAT": ["-e", "floating-point", "-b", "32"],
}


def speak(
    text: str,
    path: str,
    sample_rate: int = 22050,
    channels: int = 1,
    subtype: str = "PCM_16",
    speed: int = 160,
    trim: float | None = None,
    voice: str = "vi",
) -> None:
    """Write `text` spoken by espeak-ng (voice vi, or another: vi+f4) as a wav with the given format."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} not found (Debian: apt-get install espeak-ng sox)")
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "speech.wav")
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", raw, text],
            check=True,
            capture_output=True,
        )
        effects = ["trim", "0", str(trim)] if trim else []
        subprocess.run(
            ["sox", "-R", raw, "-r", str(sample_rate), "-c", str(channels)]
            + ENCODINGS[subtype]
            + [path]
            + effects,
            check=True,
            capture_output=True,
        )


# Formats a real corpus mixes: (sample rate, channels, sample format).
FORMATS = [
    (16000, 1, "PCM_16"),
    (22050, 1, "PCM_16"),
    (24000, 1, "PCM_16"),
    (44100, 2, "PCM_16"),
    (48000, 1, "PCM_24"),
    (48000, 2, "FLOAT"),
]


def speech_pool(sentences: list[str], rate: int = 22050, voice: str = "vi"):
    """Each sentence spoken once by espeak-ng, as float arrays at `rate`."""
    import soundfile

    pool = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, sentence in enumerate(sentences):
            path = os.path.join(tmp, f"{i}.wav")
            speak(sentence, path, sample_rate=rate, subtype="FLOAT", voice=voice)
            pool.append((sentence, soundfile.read(path, dtype="float32")[0]))
    return pool


def make_dataset(out_dir: str, n: int, pool, rate: int = 22050, seed: int = 0) -> dict[str, int]:
    """n synthetic recordings of 2-15 s cut from the pool's speech, in mixed formats.

    About 5 % are made for the filters to drop (too short, too long, too few words, or no
    transcript). Returns how many of each kind were written.
    """
    import random

    import numpy as np
    import soundfile

    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)
    counts: dict[str, int] = {}
    for i in range(n):
        kind = rng.choices(
            ["ok", "too_short", "too_long", "too_few_words", "missing_transcript"],
            weights=[95, 1.5, 1, 1.5, 1],
        )[0]
        seconds = {"too_short": 0.5, "too_long": 31.0}.get(kind, rng.uniform(2.0, 15.0))
        pieces, texts = [], []
        while sum(len(p) for p in pieces) < seconds * rate:
            sentence, audio = rng.choice(pool)
            pieces.append(audio)
            texts.append(sentence)
        audio = np.concatenate(pieces)[: int(seconds * rate)]
        out_rate, channels, subtype = rng.choice(FORMATS)
        # linear interpolation is enough to give sox a real resampling job
        length = int(len(audio) * out_rate / rate)
        audio = np.interp(np.arange(length) * rate / out_rate, np.arange(len(audio)), audio)
        if channels == 2:
            audio = np.stack([audio, audio * 0.8], axis=1)
        name = f"utt_{i:06d}"
        soundfile.write(os.path.join(out_dir, name + ".wav"), audio, out_rate, subtype=subtype)
        text = "Xin chào." if kind == "too_few_words" else " ".join(texts)
        if kind != "missing_transcript":
            with open(os.path.join(out_dir, name + ".txt"), "w", encoding="utf-8") as f:
                f.write(text + "\n")
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def chapter(texts: list[str], voice: str = "vi+f4", speed: int = 135, seed: int = 0, rate: int = 16000):
    """A long recording of `texts` by espeak-ng in a voice and at a pace the aligner does not use
    (it renders vi at 175), 0.5 s of room noise first and a 0.3-0.9 s pause after each sentence;
    and each sentence's true (start, end) in seconds."""
    import numpy as np

    from f5flow import alignment

    rng = np.random.default_rng(seed)
    parts, truth, at = [np.zeros(int(0.5 * rate), np.float32)], [], 0.5
    for text in texts:
        spoken = alignment.speak(text, voice, speed)
        if rate != alignment.RATE:
            import soxr

            spoken = soxr.resample(spoken, alignment.RATE, rate).astype(np.float32)
        truth.append((at, at + len(spoken) / rate))
        pause = int(rng.uniform(0.3, 0.9) * rate)
        parts += [spoken, np.zeros(pause, np.float32)]
        at += (len(spoken) + pause) / rate
    audio = np.concatenate(parts)
    return audio + 0.003 * rng.standard_normal(len(audio)).astype(np.float32), truth
