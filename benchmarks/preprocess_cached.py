"""Stages 0-1 on a page-cached set against the bare `xargs -P <cores>` sox loop (issue 14).

10,000 recordings of 2-4 s in the mixed formats of synth.FORMATS, cut from espeak-ng speech
with a little noise each (so no two are the same audio: the duplicate_audio check would drop
copies), with one-line transcripts. The set (about 2.5 GB) is read once before timing, so both
sides run from the page cache and the comparison is of CPU cost: what the workflow adds on a
machine with fast disks or many cores. The baseline runs before and after the workflow in the
same script (this VM's timings drift); the ratio is against their mean.
"""

from __future__ import annotations

import json
import random
import shlex
import sys
import time

from common import CACHE, CORES, fresh, snakemake_cmd, timed

from f5flow import audio, demo, synth

N = 10_000


def cached_dataset(n: int = N):
    import numpy as np
    import soundfile

    folder = CACHE / f"short_{n}"
    done = folder / ".complete"
    if done.exists():
        return folder / "recordings"
    recordings = fresh(folder / "recordings")
    pool = synth.speech_pool([text for _, text, *_ in demo.SENTENCES])
    rng = random.Random(n)
    noise = np.random.default_rng(n)
    started = time.perf_counter()
    for i in range(n):
        sentence, speech = rng.choice(pool)
        rate, channels, subtype = rng.choice(synth.FORMATS)
        seconds = rng.uniform(2.0, 4.0)
        # the pool is at 22050 Hz: take `seconds` of it and write it at `rate` by index stretching
        # (what matters here is the file's format and length, not its pitch)
        start = rng.randrange(0, max(1, len(speech) - int(seconds * 22050)))
        piece = speech[start : start + int(seconds * 22050)]
        index = np.linspace(0, len(piece) - 1, int(seconds * rate))
        wave = np.interp(index, np.arange(len(piece)), piece).astype(np.float32)
        wave += noise.normal(0, 1e-3, len(wave)).astype(np.float32)
        data = np.stack([wave] * channels, axis=1) if channels > 1 else wave
        soundfile.write(str(recordings / f"utt_{i:05d}.wav"), 0.8 * data, rate, subtype=subtype)
        (recordings / f"utt_{i:05d}.txt").write_text(sentence + "\n", encoding="utf-8")
    print(f"  generated {n} short recordings in {time.perf_counter() - started:.0f} s", flush=True)
    done.write_text(json.dumps({"n": n}))
    return recordings


def read_all(folder) -> None:
    """Every recording into the page cache."""
    for path in folder.iterdir():
        path.read_bytes()


def xargs_baseline(input_dir, out_dir) -> float:
    sox = shlex.join(audio.sox_command("{}", f"{out_dir}/{{}}"))
    script = (f"cd {shlex.quote(str(input_dir))} && find . -maxdepth 1 -name '*.wav' -printf '%f\\0' | "
              f"xargs -0 -P {CORES} -I{{}} {sox}")
    return timed(["bash", "-c", script])[0]


def run() -> list[dict]:
    recordings = cached_dataset()
    read_all(recordings)
    before = xargs_baseline(recordings, fresh(CACHE / "xargs_out"))
    ours = timed(snakemake_cmd(fresh(CACHE / "work_cached"), recordings, "metadata"))[0]
    read_all(recordings)
    after = xargs_baseline(recordings, fresh(CACHE / "xargs_out"))
    base = (before + after) / 2
    return [{"measure": f"stages 0-1, {N} clips of 2-4 s, page-cached (s)", "value": f"{ours:.1f}",
             "baseline": f"xargs -P {CORES} sox: {before:.1f} before, {after:.1f} after", "ratio": ours / base,
             "goal": "<= 1.0", "ok": ours / base <= 1.0}]


if __name__ == "__main__":
    for row in run():
        print(row, file=sys.stderr)
