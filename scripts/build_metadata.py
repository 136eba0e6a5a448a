"""Stage 1 aggregate: filters and quality checks applied to the records; metadata.csv, the
dataset vocab, rejected.tsv, quality.tsv. Stops when nothing (or too little) is kept."""

import os

from f5flow import dataset, errors, rulescript, segmentation

with rulescript.run(snakemake, collect_cycles=False):
    rulescript.say(f"f5flow input layout: {snakemake.params.layout}")
    checks = dataset.QualityChecks.from_config(snakemake.params.quality)
    result, notes = dataset.build(
        segmentation.merged(snakemake.input.records, snakemake.input.segments),
        dataset.Filters(**snakemake.params.filters),
        checks,
    )
    out = snakemake.output
    dataset.write_metadata(out.metadata, result)
    dataset.write_rejected(out.rejected, result)
    dataset.write_quality(out.quality, result)
    dataset.write_characters(out.characters, result.characters)
    for note in notes:
        rulescript.say(note)
    try:
        dataset.check_kept(result, checks.max_rejected_fraction)
    except errors.F5flowError as err:
        # Snakemake deletes a failed job's outputs: keep the two tables a person needs beside the log
        kept_dir = os.path.splitext(snakemake.log[0])[0]
        os.makedirs(kept_dir, exist_ok=True)
        for table in (out.rejected, out.quality):
            os.replace(table, os.path.join(kept_dir, os.path.basename(table)))
        raise errors.F5flowError(
            f"{err}\nper-file reasons: {kept_dir}/rejected.tsv and {kept_dir}/quality.tsv"
        )
    rulescript.say(f"f5flow stage 1: {dataset.summarise(result)}")
