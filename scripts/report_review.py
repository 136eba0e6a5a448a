"""Report: the review page (every input, its checks and its audio) and the full table."""

from f5flow import review, rulescript
from f5flow.planning import jobunits

with rulescript.run(snakemake):
    shown = review.build(
        snakemake.input.quality,
        [*snakemake.input.records, *snakemake.input.segments],
        [*snakemake.input.wavs, *snakemake.input.segment_wavs],
        page=snakemake.output.page,
        table=snakemake.output.table,
        settings=review.Settings(**snakemake.params.review),
        title=f"Review: {snakemake.params.dataset}",
        input_dir=jobunits.read_plan(snakemake.params.units).root,
    )
    print(f"review page: {shown} inputs")
