"""Hugging Face parquet input (issue 23): the dry run at 100,000 rows, and stages 0-1 from parquet
against the same clips given as pairs.

- `snakemake -n` on one parquet file of 100,000 rows with embedded audio: the rows are counted
  from the parquet metadata and the text column; no audio byte is read. Baseline: the same dry
  run on 100,000 empty pairs files (200,000 names), the layout f5flow has planned since the start.
- Stages 0-1 on the page-cached 10,000 clips of preprocess_cached, once as pairs and once as one
  parquet file holding the same recordings' bytes (row groups of 100 rows, as `datasets` writes
  audio): the units decode from the row groups instead of from files. Twice: the clips as they
  are (WAV of 16-48 kHz, up to stereo 24-bit and float: raw PCM, the heaviest rows), and the same
  clips as 16 kHz mono FLAC, the form most speech datasets on the Hub keep their audio in; each
  page-cached (the set read before each run: the CPU cost) and from a dropped page cache (what a
  set larger than memory costs: 20,000 files against one sequential file).
"""

from __future__ import annotations

import io
import re
import sys

import numpy as np
import soundfile
from common import CACHE, cold_cache, fresh, snakemake_cmd, timed
from million import empty_folder
from preprocess_cached import cached_dataset, read_all

ROWS = 100_000
DRY_RUN_SECONDS, DRY_RUN_MB = 10.0, 1024
ROW_GROUP = 100
RUNS = 3


def _write_parquet(path, names, audio_bytes, texts) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    audio = pa.array([{"bytes": b, "path": f"{n}.wav"} for n, b in zip(names, audio_bytes)],
                     pa.struct([("bytes", pa.binary()), ("path", pa.string())]))  # fmt: skip
    # the features metadata `datasets` writes: the column is an Audio feature
    meta = {b"huggingface": b'{"info": {"features": {"audio": {"_type": "Audio"}, "text": {"dtype": "string", "_type": "Value"}}}}'}
    table = pa.table({"audio": audio, "text": texts}).replace_schema_metadata(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, str(path), row_group_size=ROW_GROUP)


def rows_dataset(n: int = ROWS):
    """n rows, each a 0.1 s wav of its own noise (330 MB that compression cannot shrink: the dry
    run must read none of it) and a sentence."""
    folder = CACHE / f"parquet_rows_{n}"
    if not (folder / ".complete").exists():
        fresh(folder)
        rng = np.random.default_rng(n)
        audio = []
        for _ in range(n):
            buffer = io.BytesIO()
            soundfile.write(buffer, rng.integers(-3000, 3000, 1600, dtype=np.int16), 16000, format="WAV",
                            subtype="PCM_16")  # fmt: skip
            audio.append(buffer.getvalue())
        names = [f"utt_{i:07d}" for i in range(n)]
        _write_parquet(folder / "data" / "train-00000-of-00001.parquet", names, audio,
                       [f"câu số {i} của bộ dữ liệu" for i in range(n)])  # fmt: skip
        (folder / ".complete").touch()
    return folder


def flac_of(recordings):
    """The page-cached pairs set as 16 kHz mono FLAC pairs (soxr, as stage 0 resamples)."""
    import soxr

    folder = CACHE / "flac16k_of_short"
    if not (folder / ".complete").exists():
        out = fresh(folder / "recordings")
        for wav in sorted(recordings.glob("*.wav")):
            data, rate = soundfile.read(str(wav), dtype="float32", always_2d=True)
            mono = soxr.resample(data.mean(axis=1), rate, 16000)
            soundfile.write(str(out / f"{wav.stem}.flac"), mono, 16000, subtype="PCM_16")
            (out / f"{wav.stem}.txt").write_bytes((recordings / f"{wav.stem}.txt").read_bytes())
        (folder / ".complete").touch()
    return folder / "recordings"


def parquet_of(recordings, suffix: str = ".wav"):
    """A page-cached pairs set as one parquet file of the same recordings' bytes."""
    folder = CACHE / f"parquet_of_{recordings.parent.name}"
    if not (folder / ".complete").exists():
        fresh(folder)
        stems = sorted(p.stem for p in recordings.glob(f"*{suffix}"))
        audio = [(recordings / f"{s}{suffix}").read_bytes() for s in stems]
        texts = [(recordings / f"{s}.txt").read_text(encoding="utf-8").strip() for s in stems]
        _write_parquet(folder / "data" / "train-00000-of-00001.parquet", stems, audio, texts)
        (folder / ".complete").touch()
    return folder


def dry_run(workdir, input_dir) -> tuple[float, float]:
    cmd = ["/usr/bin/time", "-f", "maxrss_kb=%M"] + snakemake_cmd(workdir, input_dir, "-n", "metadata")
    seconds, proc = timed(cmd)
    return seconds, int(re.search(r"maxrss_kb=(\d+)", proc.stderr).group(1)) / 1024


def run() -> list[dict]:
    rows = []
    parquet, pairs = rows_dataset(), empty_folder(ROWS)
    for cached in (True, False):
        if not cached and not cold_cache():
            continue
        ours = dry_run(fresh(CACHE / "work_parquet_dry"), parquet)
        if not cached:
            cold_cache()
        base = dry_run(fresh(CACHE / "work_pairs_dry"), pairs)
        state = "page-cached" if cached else "cold page cache"
        rows.append({"measure": f"snakemake -n, parquet of {ROWS // 1000}k rows with audio, first, {state} (s / peak MB)",
                     "value": f"{ours[0]:.1f} / {ours[1]:.0f}", "baseline": f"{ROWS // 1000}k pairs: {base[0]:.1f} s / {base[1]:.0f} MB",
                     "ratio": ours[0] / base[0], "goal": f"<= {DRY_RUN_SECONDS:.0f} s, <= {DRY_RUN_MB} MB",
                     "ok": ours[0] <= DRY_RUN_SECONDS and ours[1] <= DRY_RUN_MB})  # fmt: skip
    wavs = cached_dataset()
    for what, recordings, suffix in (("WAV as generated", wavs, ".wav"), ("16 kHz mono FLAC", flac_of(wavs), ".flac")):
        from_parquet = parquet_of(recordings, suffix)
        for cached in (True, False):
            if not cached and not cold_cache():
                continue
            # interleaved, RUNS each: this VM's speed drifts by a third within minutes
            times = {"pairs": [], "parquet": []}
            for _ in range(RUNS):
                for side, source in (("pairs", recordings), ("parquet", from_parquet)):
                    work = fresh(CACHE / f"work_cached_{side}")
                    if cached:
                        read_all(recordings if side == "pairs" else from_parquet / "data")
                    else:
                        cold_cache()
                    times[side].append(timed(snakemake_cmd(work, source, "metadata"))[0])
            median = {side: sorted(t)[len(t) // 2] for side, t in times.items()}
            ratio = median["parquet"] / median["pairs"]
            state = "page-cached" if cached else "cold page cache"
            rows.append({"measure": f"stages 0-1, 10000 clips ({what}) from one parquet file, {state}, median of {RUNS} (s)",
                         "value": " / ".join(f"{t:.1f}" for t in times["parquet"]),
                         "baseline": "the same clips as pairs, interleaved: " + " / ".join(f"{t:.1f}" for t in times["pairs"]),
                         "ratio": ratio, "goal": "<= 1.0", "ok": ratio <= 1.0})  # fmt: skip
    return rows


if __name__ == "__main__":
    for row in run():
        print(row, file=sys.stderr)
