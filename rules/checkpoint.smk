rule tiny_pretrained:
    """The demo's stand-in for a downloaded model: tiny, random, in the released format."""
    input:
        vocab=PRETRAINED_VOCAB,
    output:
        checkpoint="work/tiny_model/{name}.{ext}",
    log:
        "logs/tiny_model/{name}.{ext}.log",
    wildcard_constraints:
        ext="pt|safetensors",
        name=r"[^/]+",
    conda:
        "../envs/train.yaml"
    params:
        backbone=BACKBONE,
        arch=ARCH,
        seed=0,
    script:
        "../scripts/tiny_pretrained.py"


rule extend_checkpoint:
    """Stage 3: one new text-embedding row per character vocab.txt adds."""
    input:
        pretrained_checkpoint_file,
        pretrained_vocab=PRETRAINED_VOCAB,
        vocab=rules.extend_vocab.output.vocab,
    output:
        checkpoint=EXTENDED_CHECKPOINT,
    log:
        f"{LOGS}/extend_checkpoint.log",
    benchmark:
        f"{BENCHMARKS}/extend_checkpoint.tsv"
    conda:
        "../envs/train.yaml"
    params:
        source=PRETRAINED_CHECKPOINT,
        new_rows=lookup(dpath="extend/new_rows", within=config),
    script:
        "../scripts/extend_checkpoint.py"
