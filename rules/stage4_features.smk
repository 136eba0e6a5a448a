# Stage 4: the training set in upstream F5-TTS's format.


rule build_features:
    """Stage 4: raw.arrow + duration.json (the training set) and validation.json (the held-out
    clips), from metadata.csv and the stage 0-1 records."""
    input:
        metadata=rules.build_metadata.output.metadata,
        records=all_units(rules.resample_unit.output.records),
        segments=all_long_recordings(rules.segment_recording.output.records),
        vocab=rules.extend_vocab.output.vocab,
        wavs=rules.publish_wavs.output.wavs,
    output:
        arrow=f"{DATA}/raw.arrow",
        durations=f"{DATA}/duration.json",
        validation=f"{DATA}/validation.json",
    log:
        f"{LOGS}/build_features.log",
    benchmark:
        f"{BENCHMARKS}/build_features.tsv"
    conda:
        "../envs/train.yaml"
    params:
        validation=lookup(dpath="validation", within=config),
    script:
        "../scripts/build_features.py"


rule features:
    """Target: stage 4 done."""
    input:
        rules.vocab.input,
        rules.build_features.output,
    localrule: True
