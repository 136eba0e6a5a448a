"""Stages 0-1, one job unit: sox every recording, check every transcript, write the records."""

from f5flow import logs, units
from f5flow.inputs import Entry

logs.to_file(snakemake.log[0])
entries = [Entry.from_dict(e) for e in snakemake.params.entries]
records = units.process_unit(
    entries,
    input_dir=snakemake.params.input_dir,
    wav_dir=snakemake.output.wavs,
    threads=snakemake.threads,
    lowercase=snakemake.params.lowercase,
)
units.write_records(snakemake.output.records, records)
