"""Stage 1 aggregate: one flat wavs/ folder holding exactly the clips of metadata.csv."""

import logging

from f5flow import dataset, records, rulescript

with rulescript.run(snakemake, collect_cycles=False):
    names = {
        records.name_from_metadata_path(audio_file)
        for audio_file, _ in dataset.read_metadata(snakemake.input.metadata)
    }
    n = dataset.publish_wavs([*snakemake.input.wavs, *snakemake.input.segments], names, snakemake.output.wavs)
    logging.info("published %d kept clips into %s", n, snakemake.output.wavs)
