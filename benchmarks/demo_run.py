"""The whole demo workflow (all six stages, CPU) from a clean working folder, after set-up."""

from __future__ import annotations

from common import CACHE, REPO, fresh, snakemake_cmd, timed


def run() -> list[dict]:
    workdir = fresh(CACHE / "work_demo")
    seconds, _ = timed(snakemake_cmd(workdir, REPO / "resources" / "demo", dataset_name="demo"))
    return [{"measure": "whole demo workflow (s)", "value": f"{seconds:.0f}", "baseline": "",
             "ratio": None, "goal": "<= 300 s", "ok": seconds <= 300}]


if __name__ == "__main__":
    for row in run():
        print(row)
