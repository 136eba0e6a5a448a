"""Stage 0 aggregate: one flat wavs/ folder from the job units' folders."""

import logging

from f5flow import dataset, snakejob

with snakejob.run(snakemake):
    n = dataset.publish_wavs(snakemake.input.wavs, snakemake.output.wavs)
    logging.info("published %d resampled recordings into %s", n, snakemake.output.wavs)
