"""How stages 0-1 reach SLURM: sbatch submissions and wall time of each batching design.

Runs on the single-node SLURM of the tests (tests/slurm_cluster.py; root, slurm-wlm, munge) with
the shipped profiles/slurm plus the test cluster's edits. The baseline is the same stages run
locally (`--cores <all>`) in the same script. Designs:
  units + array    the default: job units of ~shard_size recordings, one sbatch --array for all
  units, no array  one sbatch per unit
  per file, groups one job per recording (shard_size=1) bundled by Snakemake group components
  per file, array  one job per recording, one sbatch --array (one Snakemake start-up per task)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import CACHE, REPO, dataset, fresh, snakemake_cmd, timed

sys.path.insert(0, str(REPO / "tests"))
from slurm_cluster import LocalSlurm, missing_programs  # noqa: E402

N = 400
PER_FILE = ["shard_size=1"]
DESIGNS = {
    "units + array (default)": ({}, [], []),
    "units, no array": ({"slurm-array-jobs": None}, [], []),
    "per file, group components of 50": (
        {"slurm-array-jobs": None, "groups": {"resample_unit": "units"}, "group-components": {"units": 50}},
        # a group job asks the sum of its members' resources unless bounded by these
        ["--cores", "2", "--resources", "mem_mb=4000"],
        PER_FILE,
    ),
    "per file, array": ({}, [], PER_FILE),
}
# per design; the per-file designs do not finish in it here (a lower bound is a result too)
TIMEOUT = 180


def run() -> list[dict]:
    if os.geteuid() != 0 or missing_programs():
        print("  skipped: needs root and slurm-wlm + munge (make test installs them)")
        return []
    recordings = dataset(N)
    local, _ = timed(snakemake_cmd(fresh(CACHE / "slurm_local"), recordings, "metadata"))
    rows = [{"measure": f"stages 0-1, {N} clips, local --cores (s)", "value": f"{local:.1f}", "baseline": "",
             "ratio": None, "goal": "", "ok": None}]
    with tempfile.TemporaryDirectory() as root:
        cluster = LocalSlurm(Path(root) / "slurm")
        cluster.start()
        try:
            for name, (changes, options, config) in DESIGNS.items():
                workdir = fresh(CACHE / "slurm_run")
                profile = cluster.profile(Path(root) / name.replace(" ", "_"), **changes)
                cmd = snakemake_cmd(workdir, recordings, "metadata", "--profile", profile, *options) + config
                before = cluster.sbatch_calls()
                try:
                    elapsed, _ = timed(cmd, env={**os.environ, **cluster.env}, timeout=TIMEOUT)
                    value = f"{elapsed:.1f}"
                except Exception as err:  # noqa: BLE001 - a design that fails is a result too
                    cluster.client("scancel", "--user", "root", check=False)
                    cluster.wait_until_idle()
                    timed_out = isinstance(err, subprocess.TimeoutExpired)
                    elapsed, value = None, f"> {TIMEOUT} s (stopped)" if timed_out else f"failed: {err}"[:300]
                submissions = cluster.sbatch_calls() - before
                rows.append({"measure": f"stages 0-1 on SLURM, {N} clips: {name} (s)", "value": value,
                             "baseline": f"local {local:.1f} s; {submissions} sbatch calls for {N} recordings",
                             "ratio": elapsed / local if elapsed else None, "goal": "", "ok": None})
                print(rows[-1], flush=True)
        finally:
            cluster.stop()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
