"""Stages 0-1, one job unit: decode, measure and resample every recording, canonicalise its text."""

import os

from f5flow import preprocess, records, rulescript, text, voice_activity
from f5flow.planning import jobunits

with rulescript.run(snakemake):
    unit_records = preprocess.process_unit(
        jobunits.read_manifest(snakemake.input.manifest),
        # from the plan, not params: where the folder is is no reason to re-run (its files'
        # names, sizes and mtimes are in the manifest)
        input_dir=jobunits.read_plan(os.path.dirname(snakemake.input.manifest)).root,
        wav_dir=snakemake.output.wavs,
        threads=snakemake.threads,
        options=text.TextOptions(**snakemake.params.text),
        edges=voice_activity.EdgeSilence(**snakemake.params.edge_silence),
        voices=snakemake.params.voices,
        transcribe=snakemake.params.transcribe,
    )
    records.write_records(snakemake.output.records, unit_records)
