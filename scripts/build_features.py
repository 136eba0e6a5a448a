"""Stage 4: raw.arrow + duration.json for upstream's dataset loader."""

import logging

from f5flow import features, logs, units, vocab

logs.to_file(snakemake.log[0])
with logs.failing_cleanly(features.FeaturesError, vocab.VocabError, ValueError):
    records = (r for path in snakemake.input.records for r in units.read_records(path))
    n = features.build(
        snakemake.input.metadata,
        records,
        snakemake.input.vocab,
        snakemake.output.arrow,
        snakemake.output.durations,
    )
    logging.info("wrote %d rows to %s", n, snakemake.output.arrow)
