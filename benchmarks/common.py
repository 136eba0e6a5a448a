"""Shared pieces of the benchmarks: datasets cached between runs, timed commands, the workflow."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "benchmarks" / ".cache"
CORES = os.cpu_count() or 2
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))  # devtools/: not installed

from devtools import demo, espeak  # noqa: E402


def dataset(n: int) -> Path:
    """n synthetic recordings (real espeak-ng speech, mixed formats), generated once and kept."""
    folder = CACHE / f"speech_{n}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        pool = espeak.speech_pool([text for _, text, *_ in demo.SENTENCES])
        started = time.perf_counter()
        counts = espeak.make_dataset(str(folder / "recordings"), n, pool, seed=n)
        print(f"  generated {n} recordings in {time.perf_counter() - started:.0f} s: {counts}", flush=True)
        done.write_text(json.dumps(counts))
    return folder / "recordings"


def timed(cmd, **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]}... failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed, proc


def snakemake_cmd(workdir: Path, input_dir: Path, *args: str, dataset_name: str = "bench") -> list[str]:
    return [
        sys.executable, "-m", "snakemake",
        "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(REPO / "config" / "demo.yaml"),
        "--cores", str(CORES),
        *args,
        "--config", f"input_dir={input_dir}", f"dataset_name={dataset_name}",
    ]


def cold_cache() -> bool:
    """Empty the page cache (root only), so each run reads its audio from disk as a real
    100-hour corpus would: a 10k-clip set is larger than what stays cached between runs, and
    whichever run came second would otherwise be measured against a half-warm cache."""
    subprocess.run(["sync"], check=False)
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        print("  (cannot drop the page cache: not root; timings of large sets will be noisy)")
        return False


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
