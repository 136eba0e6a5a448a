"""Resampling with sox and probing with soundfile."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

import soundfile

from .errors import F5flowError

# F5-TTS's mel front-end is fixed at 24 kHz (hop 256): every training wav must be this rate.
SAMPLE_RATE = 24000
CHANNELS = 1
SUBTYPE = "PCM_16"


class AudioError(F5flowError):
    """A recording sox or soundfile cannot read; the message is the recorded detail."""


@dataclass(frozen=True)
class AudioInfo:
    sample_rate: int
    channels: int
    frames: int
    subtype: str

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def probe(path: str) -> AudioInfo:
    try:
        info = soundfile.info(path)
    except (RuntimeError, soundfile.LibsndfileError) as err:
        raise AudioError(str(err).replace(path, "<file>")) from None
    return AudioInfo(info.samplerate, info.channels, info.frames, info.subtype)


def sox_binary() -> str:
    path = shutil.which("sox")
    if path is None:
        raise AudioError("sox not found on PATH: install it (Debian: apt-get install sox)")
    return path


def sox_command(src: str, dst: str, sox: str = "sox") -> list[str]:
    """The resampling command; paths must be absolute so none can read as an option or `|pipe`."""
    return [
        sox,
        "-R",  # repeatable: seeded dither, so the same input gives the same bytes
        "-G",  # guard against clipping when resampling/mixing down
        "-V1",  # errors only: a warning per clip would flood the log
        "-t",
        "wav",
        src,
        "-t",
        "wav",
        "-r",
        str(SAMPLE_RATE),
        "-c",
        str(CHANNELS),
        "-b",
        "16",
        "-e",
        "signed-integer",
        dst,
    ]


def resample(src: str, dst: str, sox: str = "sox", timeout: float = 600) -> AudioInfo:
    """sox `src` to 24 kHz mono PCM16 at `dst` (no shell); returns the output's info."""
    try:
        proc = subprocess.run(
            sox_command(src, dst, sox), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise AudioError(f"sox took longer than {timeout:.0f} s") from None
    if proc.returncode != 0:
        message = " ".join(proc.stderr.replace(src, "<file>").split()) or "no message"
        raise AudioError(f"sox exit {proc.returncode}: {message}")
    return probe(dst)
