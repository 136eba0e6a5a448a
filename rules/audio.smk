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
    # sox processes at a time inside the unit. 1 measured faster than 2 on 2 cores (1k clips:
    # 15.6 s against 18.1 s): with one thread per unit, Snakemake runs units side by side and
    # one unit's start-up overlaps another's sox work. Raise it with --set-threads when a dataset
    # has fewer units than cores.
    threads: 1
    params:
        input_dir=INPUT_DIR,
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
    # Seconds of file work: on a cluster it runs on the submitting host, since a batch job
    # would cost more in queueing and start-up (6-11 s measured) than the work itself.
    localrule: True
    conda:
        "../envs/preprocess.yaml"
    script:
        "../scripts/publish_wavs.py"
