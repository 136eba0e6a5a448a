"""`snakemake -n` of a 100k-recording folder: DAG building cost (the files only need to exist)."""

from __future__ import annotations

import re

from common import CACHE, fresh, snakemake_cmd, timed

N = 100_000


def empty_folder() -> object:
    folder = CACHE / f"empty_{N}"
    if not (folder / ".complete").exists():
        fresh(folder / "recordings")
        for i in range(N):
            for ext in (".wav", ".txt"):
                open(folder / "recordings" / f"utt_{i:06d}{ext}", "w").close()
        (folder / ".complete").touch()
    return folder / "recordings"


def run() -> list[dict]:
    recordings = empty_folder()
    workdir = fresh(CACHE / "work_dryrun")
    cmd = ["/usr/bin/time", "-f", "maxrss_kb=%M"] + snakemake_cmd(workdir, recordings, "-n", "--quiet", "rules")
    seconds, proc = timed(cmd)
    rss_mb = int(re.search(r"maxrss_kb=(\d+)", proc.stderr).group(1)) / 1024
    return [
        {"measure": "snakemake -n, 100k clips (s)", "value": f"{seconds:.1f}", "baseline": "",
         "ratio": None, "goal": "<= 60 s", "ok": seconds <= 60},
        {"measure": "snakemake -n, 100k clips (peak MB)", "value": f"{rss_mb:.0f}", "baseline": "",
         "ratio": None, "goal": "<= 2048 MB", "ok": rss_mb <= 2048},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
