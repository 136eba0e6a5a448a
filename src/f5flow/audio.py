"""Decoding, quality facts and resampling of one recording.

Recordings are decoded once in Python: libsndfile (soundfile) reads WAV, FLAC, MP3 and Ogg
Vorbis/Opus; what it cannot read (M4A/AAC and other containers) is decoded by ffmpeg. The quality
facts are measured on the decoded source (clipping must be seen before resampling), then the
channels are averaged (as `sox -c 1` does) and resampled by libsoxr, the resampler inside SoX, at
SoX's default quality (HQ, linear phase): the output matches `sox in -r 24000 -c 1 -b 16 out`
(tests/test_audio.py compares them).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
import struct
import subprocess
from dataclasses import dataclass

import numpy as np
import soundfile
import soxr

from .errors import F5flowError
from .records import AudioQuality

# F5-TTS's mel front-end is fixed at 24 kHz (hop 256): every training wav must be this rate.
SAMPLE_RATE = 24000
CHANNELS = 1
SUBTYPE = "PCM_16"
# A sample at or above this magnitude sits at the top code of 16-bit PCM: clipped.
FULL_SCALE = 32767 / 32768
# Longer recordings are not decoded: the schema caps filters.max_duration at 30 s, so they are
# rejected as too long whatever the config, on their header's duration.
MAX_DECODE_SECONDS = 60.0
# Shorter than the header promises by more than this: a truncated copy.
TRUNCATION_TOLERANCE_SECONDS = 0.01


class AudioError(F5flowError):
    """A recording that cannot be used; `reason` is a stable code for rejected.tsv."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    """A decoded recording: float32 samples [frames, channels] (None when not decoded)."""

    samples: np.ndarray | None
    sample_rate: int
    channels: int
    format: str  # e.g. WAV/PCM_16, FLAC/PCM_24, MP3, m4a/aac
    duration: float  # seconds: of the samples, or the header's when not decoded


def _db(value: float) -> float:
    return 20 * math.log10(value) if value > 0 else -math.inf


def wav_declared_frames(path) -> int | None:
    """Frames the RIFF header's data chunk promises, or None (not RIFF/WAVE, or open-ended).
    path: a file name, or the recording's bytes (a dataset row's embedded audio)."""
    with open(path, "rb") if isinstance(path, str) else io.BytesIO(path) as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        block_align = None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return None
            chunk_id, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if chunk_id == b"fmt ":
                fmt = f.read(size)
                block_align = struct.unpack("<H", fmt[12:14])[0] if len(fmt) >= 14 else None
                size = 0
            elif chunk_id == b"data":
                # 0 and 0xFFFFFFFF are written by recorders that stream without knowing the end
                if not block_align or size in (0, 0xFFFFFFFF):
                    return None
                return size // block_align
            f.seek(size + (size & 1), os.SEEK_CUR)


BLOCK_FRAMES = 1 << 14


def _read_blocks(f: soundfile.SoundFile, first: int, limit: int | None = None) -> list:
    """Blocks of float32 frames: `first` frames, then the rest (up to `limit` frames in all)."""
    blocks, size, left = [], first, limit
    while left is None or left > 0:
        block = f.read(size if left is None else min(size, left), dtype="float32", always_2d=True)
        if not len(block):
            break
        blocks.append(block)
        size = BLOCK_FRAMES
        if left is not None:
            left -= len(block)
    return blocks


def _frames(span, rate: int, total: int) -> tuple[int, int]:
    """(first frame, frame count) of a span in seconds ((0, total) for the whole recording)."""
    if span is None:
        return 0, total
    start, end = span
    first, last = int(round(start * rate)), int(round(end * rate))
    if total and last > total + int(TRUNCATION_TOLERANCE_SECONDS * rate):
        raise AudioError(
            "segment_out_of_range",
            f"the segment {start:.3f}-{end:.3f} s ends after the recording ({total / rate:.3f} s)",
        )
    return first, min(last, total) - first if total else last - first


def _read_soundfile(path, label: str, span=None, max_seconds: float = MAX_DECODE_SECONDS) -> Decoded:
    source = path if isinstance(path, str) else io.BytesIO(path)
    with soundfile.SoundFile(source) as f:
        rate, channels = f.samplerate, f.channels
        fmt = f"{f.format}/{f.subtype}"
        declared = None  # frames the header promises, where a format says
        if f.format == "WAV":
            declared = wav_declared_frames(path)
        elif f.format == "FLAC":
            declared = f.frames  # STREAMINFO's total
        first, frames = _frames(span, rate, f.frames)
        if frames / rate > max_seconds:
            return Decoded(None, rate, channels, fmt, frames / rate)
        if span is not None:
            declared = frames if declared is not None else None
            f.seek(first)
        try:
            # the length the header gives in one read (no copies), then whatever follows it
            blocks = _read_blocks(f, first=frames or BLOCK_FRAMES, limit=frames if span else None)
            error = None
        except (RuntimeError, soundfile.LibsndfileError):
            # again in blocks from the start, to say how far decoding got
            f.seek(first)
            blocks, error = [], None
            try:
                while len(block := f.read(BLOCK_FRAMES, dtype="float32", always_2d=True)):
                    blocks.append(block)
            except (RuntimeError, soundfile.LibsndfileError) as err:
                error = str(err).replace(label, "<file>")
    if len(blocks) == 1:
        samples = blocks[0]
    else:
        samples = np.concatenate(blocks) if blocks else np.zeros((0, channels), np.float32)
    got = len(samples)
    if declared and (declared - got) / rate > TRUNCATION_TOLERANCE_SECONDS:
        raise AudioError(
            "truncated_audio",
            f"the header promises {declared / rate:.3f} s, the file holds {got / rate:.3f} s "
            "(an incomplete copy?)",
        )
    if error:
        raise AudioError("unreadable_audio", f"decoding stopped after {got / rate:.3f} s: {error}")
    return Decoded(samples, rate, channels, fmt, got / rate)


def _ffmpeg(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise AudioError("unreadable_audio", f"needs {tool} to decode: apt-get install ffmpeg")
    return path


def _read_ffmpeg(path, label: str, span=None, timeout: float = 600, max_seconds: float = MAX_DECODE_SECONDS) -> Decoded:
    """ffprobe + ffmpeg; path: a file name, or the recording's bytes (fed on standard input)."""
    piped = not isinstance(path, str)
    source, feed = ("pipe:0", path) if piped else (path, None)
    probe = subprocess.run(
        [_ffmpeg("ffprobe"), "-v", "error", "-select_streams", "a:0", "-show_entries",
         "stream=sample_rate,channels,codec_name:format=format_name,duration", "-of", "json",
         "--", source],
        capture_output=True, input=feed, timeout=timeout,
    )  # fmt: skip
    info = json.loads(probe.stdout or b"{}")
    streams = info.get("streams") or []
    if probe.returncode != 0 or not streams:
        stderr = probe.stderr.decode(errors="replace").replace(label, "<file>")
        message = " ".join(stderr.split()) or "no audio stream"
        raise AudioError("unreadable_audio", f"neither libsndfile nor ffmpeg reads it: {message}")
    stream = streams[0]
    rate, channels = int(stream["sample_rate"]), int(stream["channels"])
    fmt = f"{info['format']['format_name'].split(',')[0]}/{stream['codec_name']}"
    header_duration = float(info["format"].get("duration") or stream.get("duration") or 0)
    cut = []
    if span is not None:
        _frames(span, rate, int(header_duration * rate))  # a segment past the end: said
        header_duration = span[1] - span[0]
        cut = ["-ss", f"{span[0]:.6f}", "-t", f"{header_duration:.6f}"]
    if header_duration > max_seconds:
        return Decoded(None, rate, channels, fmt, header_duration)
    proc = subprocess.run(
        [_ffmpeg("ffmpeg"), "-v", "error", *([] if piped else ["-nostdin"]), *cut, "-i", source,
         "-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le", "-"],
        capture_output=True, input=feed, timeout=timeout,
    )  # fmt: skip
    if proc.returncode != 0:
        message = " ".join(proc.stderr.decode(errors="replace").replace(label, "<file>").split())
        raise AudioError("unreadable_audio", f"ffmpeg exit {proc.returncode}: {message}")
    samples = np.frombuffer(proc.stdout, np.float32)
    samples = samples[: len(samples) // channels * channels].reshape(-1, channels)
    return Decoded(samples, rate, channels, fmt, len(samples) / rate)


def load(path, span: tuple[float, float] | None = None, label: str | None = None,
         max_seconds: float = MAX_DECODE_SECONDS) -> Decoded:  # fmt: skip
    """Decode `path` (libsndfile, else ffmpeg); AudioError says why a file cannot be used.

    path: a file name, or a recording's bytes (a dataset row's embedded audio); span: (start,
    end) in seconds, a segment of a longer recording (Kaldi `segments`); label: the name that
    messages hide (the file name by default); max_seconds: longer audio is not decoded (its
    header's duration only; a long recording cut into clips is decoded whole: math.inf)."""
    label = label or (path if isinstance(path, str) else "<bytes>")
    try:
        decoded = _read_soundfile(path, label, span, max_seconds)
    except (RuntimeError, soundfile.LibsndfileError):
        decoded = _read_ffmpeg(path, label, span, max_seconds=max_seconds)  # a container libsndfile does not know
    if decoded.samples is not None and len(decoded.samples) == 0:
        raise AudioError("unreadable_audio", "the file holds no audio samples")
    return decoded


def cut(decoded: Decoded, span: tuple[float, float]) -> Decoded:
    """A segment of decoded audio (the frames a span names, as when decoded with that span)."""
    first, frames = _frames(span, decoded.sample_rate, len(decoded.samples))
    samples = decoded.samples[first: first + frames]
    return Decoded(samples, decoded.sample_rate, decoded.channels, decoded.format, len(samples) / decoded.sample_rate)


def to_pcm16(samples: np.ndarray, rate: int) -> np.ndarray:
    """Average the channels, resample to 24 kHz (libsoxr HQ), scale down only if it would clip.

    In float32: libsoxr's HQ quality works at 20-bit precision, which float32 holds."""
    channels = samples.shape[1]
    # a matrix product: numpy's mean over a short last axis is 20x slower
    mono = samples @ np.full(channels, 1 / channels, np.float32) if channels > 1 else samples[:, 0]
    out = soxr.resample(mono.astype(np.float32, copy=False), rate, SAMPLE_RATE, quality="HQ")
    peak = max(float(out.max()), -float(out.min())) if len(out) else 0.0
    if peak > FULL_SCALE:
        out = out * np.float32(FULL_SCALE / peak)  # as sox -G: lower the gain rather than clip
    return np.clip(np.round(out * np.float32(32768)), -32768, 32767).astype(np.int16)


def measure(samples: np.ndarray, pcm: np.ndarray) -> AudioQuality:
    """Quality facts of the source samples (frames x channels), in a few passes without
    temporaries the size of the recording where it can (this runs for every clip)."""
    flat = samples.reshape(-1)
    peak = max(float(flat.max()), -float(flat.min()))
    wide = flat.astype(np.float64, copy=False)
    square = float(np.dot(wide, wide))
    # counting clipped samples needs a pass only when something reaches full scale
    clipped = np.count_nonzero(np.abs(flat) >= FULL_SCALE) / len(flat) if peak >= FULL_SCALE else 0.0
    channels = samples.shape[1]
    means = [wide[c::channels].mean() for c in range(channels)]  # a strided 1-D mean is fast
    return AudioQuality(
        peak_dbfs=round(_db(peak), 2),
        rms_dbfs=round(_db(math.sqrt(square / len(flat))), 2),
        clipped_fraction=round(float(clipped), 6),
        dc_offset=round(max(abs(float(m)) for m in means), 6),
        audio_hash=hashlib.blake2b(pcm.tobytes(), digest_size=16).hexdigest(),
    )


def write_pcm16(path: str, pcm: np.ndarray) -> None:
    """Write the 24 kHz mono PCM16 wav through a temporary name (never a half-written clip).

    Encoded in memory, then written as bytes: libsndfile fsyncs every file it closes after
    writing, which cost more per clip than the resampling (issue 14's profile); the job's
    outputs need no more durability than any other program's (sox's do not fsync either)."""
    buffer = io.BytesIO()
    soundfile.write(buffer, pcm, SAMPLE_RATE, subtype=SUBTYPE, format="WAV")
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(buffer.getbuffer())
    os.replace(tmp, path)
