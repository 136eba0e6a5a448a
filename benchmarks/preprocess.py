"""Stages 0-1 (resample + transcript checks + metadata) against a bare `xargs -P` sox loop.

Also: the 10k/1k scaling, a no-op re-run at 10k, and what adding 10 recordings re-runs.
"""

from __future__ import annotations

import shlex
import shutil

from common import CACHE, CORES, cold_cache, dataset, fresh, snakemake_cmd, espeak, timed

from devtools.reference import sox_command


# issue 14: stages 0-1 at 10k clips, cold page cache, no slower than the bare sox loop
COLD_RATIO = 1.0


def xargs_baseline(input_dir, out_dir) -> float:
    cold_cache()
    sox = shlex.join(sox_command("{}", f"{out_dir}/{{}}"))
    script = f"cd {shlex.quote(str(input_dir))} && find . -maxdepth 1 -name '*.wav' -printf '%f\\0' | xargs -0 -P {CORES} -I{{}} {sox}"
    return timed(["bash", "-c", script])[0]


def stages_0_1(input_dir, workdir, cold=True) -> float:
    if cold:
        cold_cache()
    return timed(snakemake_cmd(workdir, input_dir, "metadata"))[0]


def run() -> list[dict]:
    rows = []
    times = {}
    for n in (1000, 10000):
        recordings = dataset(n)
        base = xargs_baseline(recordings, fresh(CACHE / "xargs_out"))
        ours = stages_0_1(recordings, fresh(CACHE / f"work_{n}"))
        times[n] = ours
        rows.append({"measure": f"stages 0-1, {n} clips (s)", "value": f"{ours:.1f}",
                     "baseline": f"xargs -P {CORES} sox: {base:.1f}", "ratio": ours / base,
                     "goal": f"<= {COLD_RATIO}" if n == 10000 else "",
                     "ok": ours / base <= COLD_RATIO if n == 10000 else None})
    growth = times[10000] / times[1000]
    rows.append({"measure": "stages 0-1, 10k time / 1k time", "value": f"{growth:.1f}", "baseline": "",
                 "ratio": growth, "goal": "<= 11", "ok": growth <= 11})

    recordings, workdir = dataset(10000), CACHE / "work_10000"
    noop = stages_0_1(recordings, workdir, cold=False)
    rows.append({"measure": "no-op re-run, 10k clips (s)", "value": f"{noop:.1f}", "baseline": "",
                 "ratio": None, "goal": "<= 10 s", "ok": noop <= 10})

    extra = fresh(CACHE / "extra")
    espeak.make_dataset(str(extra), 10, espeak.speech_pool(["Một bản ghi mới được thêm vào."]), seed=7)
    added = []
    for f in extra.iterdir():
        target = recordings / f.name.replace("utt_", "added_")
        shutil.copy2(f, target)
        added.append(target)
    try:
        _, proc = timed(snakemake_cmd(workdir, recordings, "metadata", "-n", "--quiet", "rules"))
        counts = job_counts(proc.stdout)
    finally:
        for f in added:
            f.unlink()
    units = counts.get("resample_unit", 0)
    total_units = len(list((workdir / "work" / "bench" / "records").iterdir()))
    rows.append({"measure": "jobs after adding 10 clips to 10k", "value": f"{sum(counts.values())} jobs",
                 "baseline": f"{units} of {total_units} units + aggregates {sorted(k for k in counts if k != 'resample_unit')}",
                 "ratio": None, "goal": "<= 10 units", "ok": units <= 10})
    return rows


def job_counts(text: str) -> dict[str, int]:
    counts = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("total", "job"):
            counts[parts[0]] = int(parts[1])
    return counts


if __name__ == "__main__":
    for row in run():
        print(row)
