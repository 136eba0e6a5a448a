"""Stage 5, the fine-tune, one module per concern.

- `checks_at_start`: what is checked in the Snakemake the user started (dry runs too), for the
  targets that reach the model: the GPUs, the pretrained checkpoint, the planned updates.
- `supervisor`: the fine-tune job around the training processes: checks once, plans the run
  (`runs`), launches, builds the completion record.
- `launch`: the Snakemake job's side: starts `accelerate launch` with one process per GPU and
  outlives the trainer on a stop signal.
- `settings`: the settings file the trainer reads, and the completion record the job writes.
- `trainer`: the process accelerate starts: upstream's CFM, DiT, CustomDataset and Trainer with
  explicit paths.
- `checks_in_job`: refuses, before training, what would crash inside upstream's Trainer.
- `schedule`: the number of updates the run plans, as upstream computes it, and the warm-up check.
- `stopping`: SIGTERM/SIGINT -> finish the update, save model_last.pt, exit.
- `losses`: the loss values the tensorboard logger recorded.
"""

from ..errors import F5flowError


class TrainingError(F5flowError):
    pass
