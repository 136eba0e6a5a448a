"""Report: the training curves, the checkpoints and the provenance record."""

import json
import os

from f5flow import report, rulescript
from f5flow.training import losses

with rulescript.run(snakemake):
    with open(snakemake.input.done, encoding="utf-8") as f:
        done = json.load(f)
    with open(snakemake.input.card, encoding="utf-8") as f:
        card = json.load(f)
    ckpts = os.path.dirname(snakemake.input.done)
    exp_name = snakemake.params.exp_name
    report.plot_training(
        losses.scalars(ckpts, exp_name, "loss"),
        losses.scalars(ckpts, exp_name, "lr"),
        (done["validation_loss"] or {}).get("evaluations", []),
        snakemake.output.curves,
    )
    report.write(snakemake.output.checkpoints, report.checkpoints_page(ckpts, done))
    report.write(snakemake.output.provenance, report.provenance_page(card, done, report.versions()))
