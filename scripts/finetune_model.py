"""Stage 5: the fine-tune through accelerate; resumes from model_last.pt when there is one."""

import sys

from f5flow import snakejob
from f5flow.training import TrainingError, launch, settings

with snakejob.run(snakemake):
    train = snakemake.params.train
    job = settings.build(
        dataset_name=snakemake.params.dataset_name,
        arrow=snakemake.input.arrow,
        vocab=snakemake.input.vocab,
        checkpoint=snakemake.input.checkpoint,
        backbone=snakemake.params.backbone,
        arch=snakemake.params.arch,
        # threads: finetune.num_workers, or what a profile gives the job (set-threads)
        num_workers=snakemake.threads,
        train=train,
    )
    status = launch.run(
        job,
        snakemake.output.settings,
        gpus=launch.job_gpus(snakemake.resources.gpu, log=sys.stderr),
        mixed_precision=train["mixed_precision"],
        log=sys.stderr,
    )
    if status != 0:
        raise TrainingError(f"training failed (exit {status}): see {snakemake.log[0]}")
    snakejob.write_json(snakemake.output.done, settings.completion(job))
