"""profiles/slurm on a real single-node SLURM started for these tests (see slurm_cluster.py).

The profile is the shipped one with the edits a user makes for a cluster, here one without an
accounting database (status through squeue), with 2 CPUs, ~20 GB and one fake GPU.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time

import pytest

from f5flow.training.trainer import HISTORY
from devtools.dryrun import planned_jobs

from conftest import (
    DEMO, REPO, assert_trained_every_update_once, copy_of_demo_run, hf_cache, snakemake,
    snakemake_command, wait_for_saved_update,
)
from slurm_cluster import LocalSlurm, missing_programs

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the test SLURM runs its daemons as root: run the tests as root")
    missing = missing_programs()
    if missing:
        pytest.skip(f"SLURM is not installed (missing {', '.join(missing)}): `make test` installs "
                    "slurm-wlm and munge on Debian as root")
    cluster = LocalSlurm(tmp_path_factory.mktemp("slurm"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def jobs_by_rule(cluster: LocalSlurm, workdir) -> dict[str, list[dict]]:
    """The jobs a run in `workdir` submitted (slurmctld keeps them an hour), by rule, oldest first."""
    text = cluster.client("scontrol", "show", "job", "--oneliner").stdout
    jobs = {}
    for line in text.splitlines():
        fields = dict(re.findall(r"(\S+?)=(\S*)", line))
        if fields.get("WorkDir") != str(workdir):
            continue
        rule = fields.get("Comment", "").removeprefix("rule_").split("_wildcards_")[0]
        jobs.setdefault(rule, []).append(fields)
    return jobs


def test_demo_through_the_slurm_profile_matches_a_local_run(slurm, tmp_path, demo_run):
    shutil.copytree(DEMO, tmp_path / "recordings")
    recordings = len(list((tmp_path / "recordings").glob("*.wav")))
    before = slurm.sbatch_calls()
    started = time.monotonic()
    snakemake(tmp_path, "--profile", slurm.profile(tmp_path / "profile"),
              env=slurm.env, input_dir=tmp_path / "recordings", dataset_name="demo")
    submissions = slurm.sbatch_calls() - before
    print(f"{recordings} recordings -> {submissions} sbatch submissions; "
          f"whole demo on SLURM in {time.monotonic() - started:.0f} s")
    assert submissions <= recordings / 3

    ours, local = tmp_path / "data" / "demo", demo_run / "data" / "demo"
    for name in ("metadata.csv", "vocab.txt", "rejected.tsv"):
        assert (ours / name).read_bytes() == (local / name).read_bytes(), name
    from datasets import Dataset

    rows = [len(Dataset.from_file(str(d / "raw.arrow"))) for d in (ours, local)]
    assert rows[0] == rows[1] > 0

    jobs = jobs_by_rule(slurm, tmp_path)
    (training,) = jobs["finetune_model"]
    print("fine-tune job:", {k: training.get(k) for k in ("JobId", "JobState", "TresPerJob", "TRES")})
    assert training["JobState"] == "COMPLETED"
    assert "gpu:1" in training.get("TresPerJob", "") + training.get("TresPerNode", "")
    assert all(j.get("ArrayJobId") for j in jobs["resample_unit"])  # one array, not one sbatch each
    done = json.loads((tmp_path / "ckpts" / "demo" / "finetune_complete.json").read_text())
    assert done["finished_at_update"] == 60


def test_real_config_runs_cpu_stages_on_nodes_without_gpus(slurm, tmp_path, demo_copy):
    # The real default asks one GPU for the fine-tune; stages 0-1 go to nodes without one (this
    # one has none): the GPU check is the fine-tune's, not every job's.
    from f5flow import weights

    stand_in = tmp_path / "stand_in.safetensors"
    weights.build_tiny(str(stand_in), 2545, "DiT", {"dim": 16, "depth": 1, "heads": 2, "text_dim": 8})
    env = {**slurm.env, **hf_cache(tmp_path / "hf", {"F5TTS_v1_Base/model_1250000.safetensors": stand_in})}
    snakemake(tmp_path, "metadata", "--profile", slurm.profile(tmp_path / "profile"), configfile=None,
              env=env, input_dir=demo_copy, dataset_name="demo")
    assert (tmp_path / "data" / "demo" / "metadata.csv").exists()
    assert all(j["JobState"] == "COMPLETED" for j in jobs_by_rule(slurm, tmp_path)["resample_unit"])


def test_cancelled_finetune_job_resumes_from_its_saved_update(slurm, tmp_path, demo_run):
    config = copy_of_demo_run(demo_run, tmp_path, trained=False)  # the stages before, done here
    log = tmp_path / "logs" / "demo" / "finetune_model.log"
    cmd = snakemake_command(tmp_path, "finetune", "--profile", slurm.profile(tmp_path / "profile"), **config)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **slurm.env})
    saved, job_id = wait_for_saved_update(log, proc, at_least=10), None
    if saved and saved[-1] >= 10:
        (job,) = jobs_by_rule(slurm, tmp_path)["finetune_model"]
        job_id = job["JobId"]
        slurm.client("scancel", job_id)
    try:
        output, _ = proc.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        pytest.fail(f"the run did not end within 10 min after the cancel:\n{output[-5000:]}")
    assert job_id, f"training was not caught midway (saved {saved}):\n{output}"
    assert proc.returncode == 0, output  # the profile's retries resubmitted the job

    history = (tmp_path / "ckpts" / "demo" / HISTORY).read_text()
    print(history)
    stopped = re.search(r"saved model_last.pt at update (\d+); stopping", history)
    resumed = re.search(r"resuming from model_last.pt at update (\d+)", history)
    attempts = jobs_by_rule(slurm, tmp_path)["finetune_model"]
    print(f"scancel {job_id} after update {saved[-1]}: {stopped and stopped.group(0)}; "
          f"retry: {resumed and resumed.group(0)}; jobs {[(j['JobId'], j['JobState']) for j in attempts]}")
    assert stopped and resumed and resumed.group(1) == stopped.group(1)
    assert 10 <= int(stopped.group(1)) < 60
    assert [j["JobState"] for j in attempts] == ["CANCELLED", "COMPLETED"]
    assert_trained_every_update_once(tmp_path / "ckpts" / "demo")


def test_slurm_profile_dry_runs_without_slurm(tmp_path):
    # a PATH with a shell and `which` but none of sbatch, squeue, sinfo, sacct (Snakemake itself
    # runs as sys.executable)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "sh", "which"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    env = {"PATH": str(bin_dir), "SLURM_CONF": "/nonexistent"}
    proc = snakemake(tmp_path, "-n", "--profile", str(REPO / "profiles" / "slurm"),
                     env=env, input_dir=DEMO, dataset_name="demo")
    jobs = planned_jobs(proc.stdout)
    assert ("finetune_model", "") in jobs and ("resample_unit", "s0of8") in jobs
    block = proc.stdout[proc.stdout.index("rule finetune_model:"):]
    assert re.search(r"resources: .*gpu=1", block)
