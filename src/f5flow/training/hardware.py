"""How many GPUs this machine can give a job, and the check of `finetune.gpus` against it.

Read from the NVIDIA driver's /proc entries and CUDA_VISIBLE_DEVICES, without importing torch, so
that the check runs when Snakemake parses the workflow (and so in `snakemake -n`), before stage 0.
"""

from __future__ import annotations

import os

from . import TrainingError

NVIDIA_GPUS = "/proc/driver/nvidia/gpus"


# Where the driver's /proc entries are not visible (some containers), say how many GPUs there are.
GPU_COUNT_VARIABLE = "F5FLOW_GPU_COUNT"


def visible_gpus(environ=os.environ, driver_dir: str = NVIDIA_GPUS) -> int:
    """GPUs a process started here would see: the driver's devices, limited by CUDA_VISIBLE_DEVICES."""
    if environ.get(GPU_COUNT_VARIABLE, "").strip().isdigit():
        present = int(environ[GPU_COUNT_VARIABLE])
    else:
        present = len(os.listdir(driver_dir)) if os.path.isdir(driver_dir) else 0
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return present
    listed = [d for d in visible.split(",") if d.strip() and d.strip() != "-1"]
    return min(present, len(listed))


def check_gpus(requested: int, available: int) -> None:
    """finetune.gpus must be what the machine has; 0 trains on the CPU, on purpose only."""
    if requested == 0 or requested <= available:
        return
    have = "no GPU (no NVIDIA driver or CUDA_VISIBLE_DEVICES empty)" if available == 0 else f"{available} GPU(s)"
    raise TrainingError(
        f"config key finetune.gpus: {requested} GPU(s) asked, but this machine has {have}. Run on a "
        "machine with them, submit through a cluster profile (--profile profiles/slurm: the job's "
        "node is checked instead), lower finetune.gpus, or set finetune.gpus: 0 to train on the CPU "
        "on purpose (the demo does; a real model takes days there)"
    )


def processes(train_gpus: int, job_gpus: int, cuda_devices: int) -> int:
    """Training processes for the job: one per GPU the job was given, never more than it sees.

    `train_gpus` is finetune.gpus (0: the CPU, on purpose), `job_gpus` the job's `gpu` resource
    (finetune.gpus locally, what the profile asks under SLURM), `cuda_devices` what torch sees.
    """
    if train_gpus == 0:
        return 0
    if job_gpus < 1:
        raise TrainingError(
            f"finetune.gpus is {train_gpus} but the job was given no GPU (its `gpu` resource is "
            f"{job_gpus}): set the profile's gpu resource for finetune_model, or finetune.gpus: 0 "
            "to train on the CPU on purpose"
        )
    if cuda_devices < job_gpus:
        raise TrainingError(
            f"the fine-tune job asks for {job_gpus} GPU(s) but torch sees {cuda_devices} CUDA "
            "device(s) here: run it where the GPUs are, or set finetune.gpus: 0 to train on the "
            "CPU on purpose"
        )
    return job_gpus
