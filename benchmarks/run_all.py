"""`make bench`: every measurement with its baseline, as one Markdown table (also benchmarks/results.md)."""

from __future__ import annotations

import datetime
import os
import platform
import sys

import alignment
import datasets_hf
import demo_run
import features
import million
import preprocess
import preprocess_cached
import slurm_batching
import speakers
import voice_activity
from common import CORES, REPO


def table(rows: list[dict]) -> str:
    lines = ["| measure | value | baseline | ratio | goal | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[r.get("ok")]
        baseline = "; ".join(x for x in (r["baseline"], r.get("note", "")) if x)
        lines.append(f"| {r['measure']} | {r['value']} | {baseline} | {ratio} | {r['goal']} | {met} |")
    return "\n".join(lines)


def main(names: list[str]) -> None:
    suites = {"preprocess": preprocess, "cached": preprocess_cached, "million": million, "features": features, "demo": demo_run,
              "slurm": slurm_batching, "datasets": datasets_hf, "voice_activity": voice_activity,
              "speakers": speakers, "alignment": alignment}
    rows = []
    for name in names or suites:
        print(f"running {name} ...", flush=True)
        new = suites[name].run()
        print(table(new), flush=True)
        rows += new
    machine = f"{platform.node()}: {CORES} cores, {platform.machine()}, Python {platform.python_version()}"
    report = (f"{datetime.date.today()} on {machine}\n\n{table(rows)}\n")
    print("\n" + report)
    (REPO / "benchmarks" / "results.md").write_text(report)


if __name__ == "__main__":
    os.chdir(REPO)
    main(sys.argv[1:])
