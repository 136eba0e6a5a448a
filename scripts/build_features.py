"""Stage 4: raw.arrow + duration.json for upstream's dataset loader."""

import logging

from f5flow import records, snakejob, trainset

with snakejob.run(snakemake):
    n = trainset.build(
        snakemake.input.metadata,
        records.read_all_records(snakemake.input.records),
        snakemake.input.vocab,
        snakemake.output.arrow,
        snakemake.output.durations,
    )
    logging.info("wrote %d rows to %s", n, snakemake.output.arrow)
