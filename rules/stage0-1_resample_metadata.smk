# Stages 0-1: every recording decoded, measured and resampled and every transcript made canonical,
# in job units; then the aggregates (metadata.csv, rejected.tsv, quality.tsv, the dataset's
# characters, and wavs/ with exactly the kept clips).


rule resample_unit:
    """Stages 0-1 for one job unit: each recording to 24 kHz mono PCM16 with its quality facts,
    each transcript canonical."""
    input:
        # written by planning (rules/common.smk), rewritten only when the unit's files changed
        manifest=f"{UNIT_MANIFESTS}/{{unit}}.json",
    output:
        records=f"{WORK}/records/{{unit}}.jsonl",
        wavs=directory(f"{WORK}/resampled/{{unit}}"),
    log:
        f"{LOGS}/resample_unit/{{unit}}.log",
    benchmark:
        f"{BENCHMARKS}/resample_unit/{{unit}}.tsv"
    conda:
        "../envs/preprocess.yaml"
    # recordings at a time inside the unit. Snakemake runs units side by side, so one unit's
    # start-up overlaps another's work. Raise it with --set-threads when there are fewer units
    # than cores.
    threads: 1
    params:
        text=lookup(dpath="text", within=config),
        # trimmed in the units: a changed trim writes other clips
        edge_silence=lookup(dpath="quality/edge_silence", within=config),
        # voices embedded in the units unless the speaker check is off (a changed action or
        # limit re-runs only stage 1)
        voices=SPEAKER_VOICES,
        # recordings without a transcript measured for a segment_recording job to transcribe
        transcribe=TRANSCRIBE,
        # a new f5flow whose records hold another fact re-runs every unit (Snakemake's params
        # trigger): no old record goes through a check it lacks the fact for
        record_format=records.RECORD_FORMAT,
    script:
        "../scripts/resample_unit.py"


checkpoint find_long_recordings:
    """The recordings stage 0 measured longer than filters.max_duration that have a text, and
    (segmentation.untranscribed: transcribe) those without one: each is cut into clips by a
    segment_recording job."""
    input:
        records=all_units(rules.resample_unit.output.records),
    output:
        table=f"{WORK}/long_recordings.json",
    log:
        f"{LOGS}/find_long_recordings.log",
    localrule: True
    conda:
        "../envs/preprocess.yaml"
    params:
        max_duration=lookup(dpath="filters/max_duration", within=config),
        segmentation=lookup(dpath="segmentation", within=config),
    script:
        "../scripts/find_long_recordings.py"


rule segment_recording:
    """A long recording with its text, cut into clips of whole sentences (aligned to the audio),
    or a recording without a text, cut at pauses and transcribed; each clip then made as stage 0
    makes any."""
    input:
        # written by the Snakemake process from the checkpoint's table, only when it changed
        manifest=f"{SEGMENT_MANIFESTS}/{{recording}}.json",
    output:
        records=f"{WORK}/records/{{recording}}.jsonl",
        wavs=directory(f"{WORK}/resampled/{{recording}}"),
    log:
        f"{LOGS}/segment_recording/{{recording}}.log",
    benchmark:
        f"{BENCHMARKS}/segment_recording/{{recording}}.tsv"
    conda:
        "../envs/preprocess.yaml"
    threads: 1
    resources:
        # the recogniser (Whisper) runs on a GPU where the job has one; aligning needs none
        gpu=lambda wildcards, input: int(segmentation.uses_recogniser(input.manifest)),
    params:
        segmentation=lookup(dpath="segmentation", within=config),
        text=lookup(dpath="text", within=config),
        edge_silence=lookup(dpath="quality/edge_silence", within=config),
        voices=SPEAKER_VOICES,
        record_format=records.RECORD_FORMAT,
        units=UNIT_MANIFESTS,
    script:
        "../scripts/segment_recording.py"


rule build_metadata:
    """Stage 1 aggregate: filters and quality checks applied to every record."""
    input:
        records=all_units(rules.resample_unit.output.records),
        # in place of the records of the long recordings they cut
        segments=all_long_recordings(rules.segment_recording.output.records),
    output:
        metadata=report(
            f"{DATA}/metadata.csv",
            caption="../report/metadata.rst",
            category="1. Dataset",
        ),
        rejected=report(
            f"{DATA}/rejected.tsv",
            caption="../report/rejected.rst",
            category="1. Dataset",
        ),
        quality=report(
            f"{DATA}/quality.tsv",
            caption="../report/quality.rst",
            category="1. Dataset",
        ),
        characters=f"{DATA}/vocab_{DATASET}.txt",
    log:
        f"{LOGS}/build_metadata.log",
    benchmark:
        f"{BENCHMARKS}/build_metadata.tsv"
    localrule: True
    conda:
        "../envs/preprocess.yaml"
    params:
        filters=lookup(dpath="filters", within=config),
        quality=lookup(dpath="quality", within=config),
        layout=LAYOUT,
    script:
        "../scripts/build_metadata.py"


rule publish_wavs:
    """Stage 1 aggregate: the kept clips (exactly metadata.csv's) hard-linked into data/{dataset}/wavs."""
    input:
        metadata=rules.build_metadata.output.metadata,
        wavs=all_units(rules.resample_unit.output.wavs),
        segments=all_long_recordings(rules.segment_recording.output.wavs),
    output:
        wavs=directory(f"{DATA}/wavs"),
    log:
        f"{LOGS}/publish_wavs.log",
    benchmark:
        f"{BENCHMARKS}/publish_wavs.tsv"
    localrule: True
    conda:
        "../envs/preprocess.yaml"
    script:
        "../scripts/publish_wavs.py"


rule resample:
    """Target: stage 0 done (every recording resampled and measured, in the job units; the long
    ones cut into clips)."""
    input:
        all_units(rules.resample_unit.output.records),
        all_long_recordings(rules.segment_recording.output.records),
    localrule: True


rule metadata:
    """Target: stage 1 done (like the recipe's stop_stage)."""
    input:
        rules.build_metadata.output,
        rules.publish_wavs.output,
    localrule: True
