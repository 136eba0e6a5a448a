# Stage 3: the pretrained checkpoint with a text-embedding row for every character stage 2 added.


rule build_tiny_model:
    """The demo's stand-in for a downloaded model: tiny, random, in the released format."""
    output:
        checkpoint=f"{TINY_MODELS}/{{name}}.{{ext}}",
    log:
        f"{LOGS_ROOT}/tiny_model/{{name}}.{{ext}}.log",
    wildcard_constraints:
        ext="pt|safetensors",
        name=r"[^/]+",
    conda:
        "../envs/train.yaml"
    params:
        pretrained_vocab=lookup(dpath="pretrained_vocab", within=config),
        pretrained_vocab_sha256=PRETRAINED_VOCAB_SHA256,
        backbone=BACKBONE,
        arch=ARCH,
        seed=0,
    script:
        "../scripts/build_tiny_model.py"


rule extend_checkpoint:
    """Stage 3: one new text-embedding row per character vocab.txt adds."""
    input:
        pretrained_checkpoint_file,
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
        pretrained_vocab=lookup(dpath="pretrained_vocab", within=config),
        pretrained_vocab_sha256=PRETRAINED_VOCAB_SHA256,
        new_rows=lookup(dpath="extend/new_rows", within=config),
    script:
        "../scripts/extend_checkpoint.py"


rule extend:
    """Target: stage 3 done."""
    input:
        rules.vocab.input,
        rules.extend_checkpoint.output,
    localrule: True
