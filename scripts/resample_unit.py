"""Stages 0-1, one job unit: decode, measure and resample every recording, canonicalise its text."""

import os

from f5flow import jobunits, preprocess, records, snakejob, text

with snakejob.run(snakemake):
    unit_records = preprocess.process_unit(
        jobunits.read_manifest(snakemake.input.manifest),
        # from config, not params: where the folder is is no reason to re-run (its files'
        # names, sizes and mtimes are in the manifest)
        input_dir=os.path.abspath(snakemake.config["input_dir"]),
        wav_dir=snakemake.output.wavs,
        threads=snakemake.threads,
        options=text.TextOptions(**snakemake.params.text),
    )
    records.write_records(snakemake.output.records, unit_records)
