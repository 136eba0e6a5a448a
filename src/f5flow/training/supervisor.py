"""The supervisor of the fine-tune: what the Snakemake job does around the training processes,
once per attempt: hardware, checkpoints and schedule checked (checks_in_job), the run planned
(runs), accelerate started (launch), the completion record built (settings)."""

from __future__ import annotations

import json
import math
import os

from .. import trainset, vocabulary, weights
from . import TrainingError, hardware, launch, checks_in_job, runs, schedule, settings


def run(job: dict, job_gpus: int, settings_path: str, log, say) -> dict:
    """Train, and return finetune_complete.json's record. `job` is the trainer's settings as
    settings.build makes them (the run's epochs, warm-up and start are filled in here), `log` the
    job's log, `say` writes a line to the log and the console."""
    import torch
    from datasets import Dataset

    train, vocab = job["train"], job["vocab"]
    arrow, durations = job["arrow"], job["durations"]
    checkpoint_dir = job["checkpoint_dir"]
    processes = hardware.processes(train["gpus"], job_gpus, torch.cuda.device_count())
    if processes == 0:
        say("training on the CPU (finetune.gpus: 0)" + (" although the job has GPUs" if job_gpus else ""))
    lines = vocabulary.read_lines(vocab)
    pretrained = checks_in_job.check_pretrained(checkpoint_dir, len(lines))
    last_update = checks_in_job.readable_model_last(checkpoint_dir)
    checks_in_job.check_audio_paths(Dataset.from_file(arrow), arrow)

    previous = runs.read_state(checkpoint_dir)
    run = runs.plan(checkpoint_dir, runs.data_fingerprint(arrow, vocab), train, train["resume"],
                    recorded_as=lambda: runs.file_fingerprint(arrow, vocab))
    if run.kind == "trained":
        say(runs.already_trained(run))
        launch.write_settings(job, settings_path)
        if run.record is None:  # finished by an f5flow that kept no record: made again
            run.record = settings.completion(job, started_at=0, planned=0, data=run.data, run=run)
        return {**run.record, "run_kind": "trained", "updates_trained": 0,
                "started_at_update": run.record["finished_at_update"]}
    run.vocab = lines
    if run.kind == "resume" and last_update is not None:
        checks_in_job.check_rows(os.path.join(checkpoint_dir, checks_in_job.MODEL_LAST), len(lines),
                             "set finetune.resume: restart to train this vocab from the extended checkpoint")
    with open(durations, encoding="utf-8") as f:
        total = schedule.planned_updates(json.load(f)["duration"], train, run.epochs)
    warmup = schedule.warmup_updates(train, total, processes)
    schedule.check_schedule(total, warmup, processes)
    runs.start(checkpoint_dir, run)
    previous_vocab = previous.vocab if previous else None
    if run.kind == "continue" and previous_vocab != lines:
        start = os.path.join(checkpoint_dir, run.start_weights)
        if previous_vocab is None:  # a run that did not record its vocab: its rows must fit
            checks_in_job.check_rows(start, len(lines), "set finetune.resume: restart")
        else:
            remapped = "{}_remapped{}".format(*os.path.splitext(start))
            weights.remap_training_checkpoint(start, previous.vocab, lines, pretrained, remapped)
            run.start_weights = os.path.relpath(remapped, checkpoint_dir)
            runs.write_state(checkpoint_dir, run)
            say(f"the vocab changed since run {previous.number} ({len(previous.vocab)} -> "
                f"{len(lines)} lines): its text-embedding rows are remapped by character; new "
                "characters start from the extended checkpoint's rows")
    started_at = last_update if run.kind == "resume" and last_update is not None else 0
    say(f"{runs.describe(run, started_at, total)} on {processes or 'no'} GPU(s), warm-up {warmup}")
    held_out = trainset.read_validation(job["validation"]) if job.get("validation") else None
    if held_out is not None and not held_out["clips"]:
        say(held_out["note"])  # no validation loss: said where the user looks, not only in a log

    job = {
        **job,
        "train": {**train, "epochs": run.epochs, "num_warmup_updates": warmup},
        "start_weights": run.start_weights,
        "run": runs.describe(run),
        # the updates the progress lines count to: upstream's schedule length divided among the
        # processes (each takes its share of every epoch's batches)
        "planned_updates": math.ceil(total / max(processes, 1)),
    }
    status = launch.run(job, settings_path, gpus=processes,
                        mixed_precision=train["mixed_precision"], log=log)
    if status != 0:
        raise TrainingError(f"training failed (exit {status}): see the job's log")
    record = settings.completion(job, started_at=started_at, planned=total, data=run.data, run=run)
    runs.finish(checkpoint_dir, record)
    return record
