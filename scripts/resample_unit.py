"""Stages 0-1, one job unit: sox every recording, check every transcript, write the records."""

import os

from f5flow import preprocess, records, snakejob
from f5flow.inputs import Entry

with snakejob.run(snakemake):
    unit_records = preprocess.process_unit(
        [Entry.from_dict(e) for e in snakemake.params.entries],
        # from config, not params: where the folder is is no reason to re-run (its files'
        # names, sizes and mtimes are the params)
        input_dir=os.path.abspath(snakemake.config["input_dir"]),
        wav_dir=snakemake.output.wavs,
        threads=snakemake.threads,
        lowercase=snakemake.params.lowercase,
    )
    records.write_records(snakemake.output.records, unit_records)
