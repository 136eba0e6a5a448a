"""Stages 0-1, one job unit: decode, measure and resample every recording, canonicalise its text."""

import os

from f5flow import preprocess, records, snakejob, text
from f5flow.inputs import Entry

with snakejob.run(snakemake):
    unit_records = preprocess.process_unit(
        [Entry.from_dict(e) for e in snakemake.params.entries],
        # from config, not params: where the folder is is no reason to re-run (its files'
        # names, sizes and mtimes are the params)
        input_dir=os.path.abspath(snakemake.config["input_dir"]),
        wav_dir=snakemake.output.wavs,
        threads=snakemake.threads,
        options=text.TextOptions(**snakemake.params.text),
    )
    records.write_records(snakemake.output.records, unit_records)
