# Stage 2: vocab.txt, the token list of the fine-tuned model.


rule extend_vocab:
    """Stage 2: the pretrained vocab, then the dataset's characters it lacks."""
    input:
        characters=rules.build_metadata.output.characters,
    output:
        vocab=f"{DATA}/vocab.txt",
        summary=report(
            f"{DATA}/vocab_extension.json",
            caption="../report/vocab.rst",
            category="2. Vocab",
        ),
    log:
        f"{LOGS}/extend_vocab.log",
    benchmark:
        f"{BENCHMARKS}/extend_vocab.tsv"
    localrule: True
    # the pretrained vocab is a file of the f5-tts wheel
    conda:
        "../envs/train.yaml"
    params:
        pretrained_vocab=lookup(dpath="pretrained_vocab", within=config),
        pretrained_vocab_sha256=PRETRAINED_VOCAB_SHA256,
    script:
        "../scripts/extend_vocab.py"


rule vocab:
    """Target: stage 2 done."""
    input:
        rules.metadata.input,
        rules.extend_vocab.output,
    localrule: True
