"""Stage 4: raw.arrow + duration.json for upstream's dataset loader."""

import logging

from f5flow import features, logs, units, vocab

logs.to_file(snakemake.log[0])
with logs.failing_cleanly(features.FeaturesError, vocab.VocabError, ValueError):
    records = units.read_all_records(snakemake.input.records)
    n = features.build(
        snakemake.input.metadata,
        records,
        snakemake.input.vocab,
        snakemake.output.arrow,
        snakemake.output.durations,
    )
    logging.info("wrote %d rows to %s", n, snakemake.output.arrow)
