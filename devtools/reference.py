"""The resampler users know, as the reference the tests and benchmarks compare stage 0 with."""

from __future__ import annotations

from f5flow.audio import CHANNELS, SAMPLE_RATE


def sox_command(src: str, dst: str, sox: str = "sox") -> list[str]:
    """sox to 24 kHz mono PCM16, high quality rate conversion, no clipping (-G)."""
    return [sox, "-R", "-G", "-V1", src, "-r", str(SAMPLE_RATE), "-c", str(CHANNELS), "-b", "16",
            "-e", "signed-integer", dst]  # fmt: skip
