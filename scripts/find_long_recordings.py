"""The recordings stage 0 found too long to be one clip, or without a text to transcribe: each
to be cut by a segment_recording job."""

from f5flow import rulescript, segmentation

with rulescript.run(snakemake):
    settings = segmentation.Settings(**snakemake.params.segmentation)
    found = segmentation.find(snakemake.input.records, snakemake.params.max_duration, settings)
    segmentation.write_table(snakemake.output.table, found)
    untranscribed = sum(why == "untranscribed" for _, _, why in found)
    if found:
        rulescript.say(f"f5flow: {len(found) - untranscribed} recordings over {snakemake.params.max_duration:g} s "
                       f"with a text, {untranscribed} without a text to transcribe: each is cut into clips by a "
                       "segment_recording job")  # fmt: skip
