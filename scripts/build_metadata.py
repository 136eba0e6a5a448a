"""Stage 1 aggregate: filters applied to the records; metadata.csv, dataset vocab, rejected.tsv."""

import logging

from f5flow import dataset, records, snakejob

with snakejob.run(snakemake):
    result = dataset.build(
        records.read_all_records(snakemake.input.records),
        dataset.Filters(**snakemake.params.filters),
    )
    dataset.write_metadata(snakemake.output.metadata, result)
    dataset.write_rejected(snakemake.output.rejected, result)
    dataset.write_characters(snakemake.output.characters, result.characters)
    logging.info("%s", dataset.summarise(result))
    if not result.accepted:
        logging.warning("no recording passed the filters: see %s", snakemake.output.rejected)
