"""Stage 4: raw.arrow + duration.json for upstream's dataset loader, and the validation clips."""

import logging

from f5flow import records, rulescript, trainset

with rulescript.run(snakemake, collect_cycles=False):
    n, validation = trainset.build(
        snakemake.input.metadata,
        records.read_durations([*snakemake.input.records, *snakemake.input.segments]),
        snakemake.input.vocab,
        snakemake.output.arrow,
        snakemake.output.durations,
        snakemake.output.validation,
        trainset.ValidationSplit(**snakemake.params.validation),
    )
    logging.info("wrote %d rows to %s", n, snakemake.output.arrow)
    rulescript.say(validation)
