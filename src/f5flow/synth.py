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
) -> None:
    """Write `text` spoken by espeak-ng (voice vi) as a wav with the given format."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} not found (Debian: apt-get install espeak-ng sox)")
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "speech.wav")
        subprocess.run(
            ["espeak-ng", "-v", "vi", "-s", str(speed), "-w", raw, text],
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
