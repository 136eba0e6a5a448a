"""Checks of the fine-tune that run when Snakemake starts (and so in `snakemake -n`), before
stage 0: the GPUs asked for, the pretrained checkpoint's source, the warm-up against the planned
updates once the dataset is known. Returns the plan a dry run prints.

They run only when the requested targets reach the model (rules/common.smk runs them while
Snakemake builds the DAG, from the extend job's input): preparing data (`snakemake metadata`,
`vocab`, `features`) is what users do first, on a CPU login node or a laptop with an empty
Hugging Face cache."""

from __future__ import annotations

import os

from .. import hub
from . import hardware, runs, schedule


def check(
    config: dict,
    local_run: bool,
    extended_checkpoint: str,
    durations: str,
    plan_updates: bool,
    plan_cache: str,
) -> list[str]:
    """Raise an F5flowError for what would fail hours later; return the plan's lines.

    local_run: the fine-tune job runs on this machine (not submitted to a cluster, where the
    job's node is checked by the job itself). plan_updates: compute the planned updates when
    duration.json exists (imports upstream, seconds: done for dry runs and explicit warm-ups);
    plan_cache: where the epoch's batch count is kept (schedule.cached_epoch_batches).
    """
    train = config["finetune"]
    lines = []
    gpus = train["gpus"]
    if gpus == 0:
        lines.append("GPUs: none, training on the CPU (finetune.gpus: 0)")
    else:
        if local_run:
            hardware.check_gpus(gpus, hardware.visible_gpus())
        where = "this machine" if local_run else "the cluster job's node, checked by the job"
        lines.append(f"GPUs: {gpus} (finetune.gpus), {train['mixed_precision']} on {where}")

    source = config["pretrained_checkpoint"]
    if os.path.exists(extended_checkpoint):
        lines.append(f"checkpoint: {source}, already extended ({extended_checkpoint})")
    elif hub.is_hub(source):
        path = hub.cached(source)
        if path is None:
            hub.check_reachable(source)
        lines.append(f"checkpoint: {source}, " + (f"in the Hugging Face cache ({path})" if path
                                                  else "not cached: the extend job downloads it"))
    else:
        lines.append(f"checkpoint: {source} (local file)")

    explicit = train.get("num_warmup_updates") is not None
    if os.path.exists(durations) and (plan_updates or explicit):
        clips, batches = schedule.cached_epoch_batches(durations, train, plan_cache)
        total = schedule.updates(batches, train, train["epochs"])
        warmup = schedule.warmup_updates(train, total, max(1, gpus))
        schedule.check_schedule(total, warmup, max(1, gpus))
        lines.append(f"planned updates: {total} for {clips} clips x {train['epochs']} epochs "
                     f"(a new run; a continued one plans its own), warm-up {warmup}")
    else:
        lines.append("planned updates: known once the features stage has run")
    lines.append(runs.forecast(os.path.dirname(extended_checkpoint), train))
    return lines
