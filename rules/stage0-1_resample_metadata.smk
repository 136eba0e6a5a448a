# Stages 0-1: every recording resampled and every transcript checked, in job units; then the
# aggregates (wavs/, metadata.csv, rejected.tsv, the dataset's characters).


rule resample_unit:
    """Stages 0-1 for one job unit: sox each recording to 24 kHz mono PCM16, check each transcript."""
    output:
        records=f"{WORK}/records/{{unit}}.jsonl",
        wavs=directory(f"{WORK}/resampled/{{unit}}"),
    log:
        f"{LOGS}/resample_unit/{{unit}}.log",
    benchmark:
        f"{BENCHMARKS}/resample_unit/{{unit}}.tsv"
    conda:
        "../envs/preprocess.yaml"
    # sox processes at a time inside the unit. One per unit measured faster than two on 2 cores
    # (BENCHMARKS.md): Snakemake runs units side by side, so one unit's start-up overlaps
    # another's sox work. Raise it with --set-threads when there are fewer units than cores.
    threads: 1
    params:
        entries=unit_entries,
        lowercase=lookup(dpath="text/lowercase", within=config),
    script:
        "../scripts/resample_unit.py"


rule publish_wavs:
    """Stage 0 aggregate: the units' wavs hard-linked into data/{dataset}/wavs."""
    input:
        wavs=all_units(rules.resample_unit.output.wavs),
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


rule build_metadata:
    """Stage 1 aggregate: filters applied to every record."""
    input:
        records=all_units(rules.resample_unit.output.records),
    output:
        metadata=report(
            f"{DATA}/metadata.csv",
            caption="../report/metadata.rst",
            category="Dataset",
        ),
        rejected=report(
            f"{DATA}/rejected.tsv",
            caption="../report/rejected.rst",
            category="Dataset",
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
    script:
        "../scripts/build_metadata.py"


rule resample:
    """Target: stage 0 done."""
    input:
        rules.publish_wavs.output,
    localrule: True


rule metadata:
    """Target: stage 1 done (like the recipe's stop_stage)."""
    input:
        rules.resample.input,
        rules.build_metadata.output,
    localrule: True
