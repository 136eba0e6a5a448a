"""Stage 5: the fine-tune through accelerate; resumes from model_last.pt when there is one."""

import json
import os
import sys

from f5flow import finetune, launch, logs

logs.to_file(snakemake.log[0])
params = snakemake.params.train
checkpoint_dir = os.path.abspath(os.path.dirname(snakemake.input.checkpoint))
settings = {
    "dataset_name": snakemake.params.dataset_name,
    "dataset_dir": os.path.abspath(os.path.dirname(snakemake.input.arrow)),
    "vocab": os.path.abspath(snakemake.input.vocab),
    "checkpoint_dir": checkpoint_dir,
    "backbone": snakemake.params.backbone,
    "arch": snakemake.params.arch,
    # threads: finetune.num_workers, or what a profile gives the job (set-threads)
    "num_workers": snakemake.threads,
    "train": params,
}
gpus = launch.job_gpus(snakemake.resources.gpu)
if gpus != snakemake.resources.gpu:
    print(f"asked for {snakemake.resources.gpu} GPU(s), the job has {gpus}: "
          f"CUDA_VISIBLE_DEVICES={os.environ['CUDA_VISIBLE_DEVICES']}", file=sys.stderr)
status = launch.run(
    settings,
    snakemake.output.settings,
    gpus=gpus,
    mixed_precision=params["mixed_precision"],
    log=sys.stderr,
)
if status != 0:
    sys.exit(f"training failed (exit {status}): see {snakemake.log[0]}")
summary = {
    "update": finetune.saved_update(os.path.join(checkpoint_dir, "model_last.pt")),
    "checkpoint": os.path.join(checkpoint_dir, "model_last.pt"),
    "loss": finetune.loss_summary(finetune.losses(checkpoint_dir, params["exp_name"])),
}
with open(snakemake.output.done, "w", encoding="utf-8") as f:
    json.dump(summary, f, indent=2)
    f.write("\n")
