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
    # Seconds of file work: on a cluster it runs on the submitting host, since a batch job
    # would cost more in queueing and start-up (6-11 s measured) than the work itself.
    localrule: True
    conda:
        "../envs/preprocess.yaml"
    params:
        filters=lookup(dpath="filters", within=config),
    script:
        "../scripts/build_metadata.py"


rule extend_vocab:
    """Stage 2: the pretrained vocab, then the dataset's characters it lacks."""
    input:
        pretrained=PRETRAINED_VOCAB,
        characters=rules.build_metadata.output.characters,
    output:
        vocab=f"{DATA}/vocab.txt",
        summary=report(
            f"{DATA}/vocab_extension.json",
            caption="../report/vocab.rst",
            category="Dataset",
        ),
    log:
        f"{LOGS}/extend_vocab.log",
    # Seconds of file work: on a cluster it runs on the submitting host, since a batch job
    # would cost more in queueing and start-up (6-11 s measured) than the work itself.
    localrule: True
    conda:
        "../envs/preprocess.yaml"
    params:
        source=lookup(dpath="pretrained_vocab", within=config),
    script:
        "../scripts/extend_vocab.py"
