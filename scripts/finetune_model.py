"""Stage 5: the fine-tune through accelerate: resumes an interrupted run, or starts a new one."""

import sys

from f5flow import rulescript
from f5flow.training import settings, supervisor

with rulescript.run(snakemake):
    trainer_settings = settings.build(
        dataset_name=snakemake.params.dataset_name,
        arrow=snakemake.input.arrow,
        durations=snakemake.input.durations,
        vocab=snakemake.input.vocab,
        checkpoint=snakemake.input.checkpoint,
        backbone=snakemake.params.backbone,
        arch=snakemake.params.arch,
        # threads: finetune.num_workers, or what a profile gives the job (set-threads)
        num_workers=snakemake.threads,
        train=snakemake.params.train,
        validation_clips=snakemake.input.validation,
    )
    rulescript.write_json(
        snakemake.output.done,
        supervisor.run(
            trainer_settings,
            job_gpus=snakemake.resources.gpu,
            settings_path=snakemake.output.settings,
            log=sys.stderr,
            say=rulescript.say,
        ),
    )
