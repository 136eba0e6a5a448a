"""Report: the synthesised samples, playable, with their mel spectrograms."""

import json
import os

from f5flow import report, rulescript

with rulescript.run(snakemake):
    with open(snakemake.input.record, encoding="utf-8") as f:
        record = json.load(f)
    samples_dir = os.path.dirname(snakemake.input.record)
    report.write(snakemake.output.page, report.samples_page(record, samples_dir))
