"""One long recording with its text, cut into clips of whole sentences (before stages 0-1's checks)."""

from f5flow import records, rulescript, segmentation, text, voice_activity
from f5flow.planning import jobunits

with rulescript.run(snakemake):
    (entry,) = jobunits.read_manifest(snakemake.input.manifest)
    made = segmentation.cut(
        entry,
        # from the plan, not params: where the folder is is no reason to re-cut
        input_dir=jobunits.read_plan(snakemake.params.units).root,
        wav_dir=snakemake.output.wavs,
        settings=segmentation.Settings(**snakemake.params.segmentation),
        options=text.TextOptions(**snakemake.params.text),
        edges=voice_activity.EdgeSilence(**snakemake.params.edge_silence),
        voices=snakemake.params.voices,
    )
    records.write_records(snakemake.output.records, made)
    source = made[0]
    rulescript.say(f"f5flow: {entry.audio}: {source.problem}: {source.detail}")
