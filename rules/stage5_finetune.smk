# Stage 5: the fine-tune (the GPU job) and the model card inference needs.


rule write_model_card:
    """What inference needs to use the checkpoints: vocab and its hash, tokenisation, model."""
    input:
        vocab=rules.extend_vocab.output.vocab,
        checkpoint=rules.extend_checkpoint.output.checkpoint,
    output:
        card=f"{CKPTS}/inference.json",
    log:
        f"{LOGS}/write_model_card.log",
    localrule: True
    conda:
        "../envs/train.yaml"
    params:
        text=lookup(dpath="text", within=config),
        exp_name=lookup(dpath="finetune/exp_name", within=config),
        backbone=BACKBONE,
        arch=ARCH,
        source=PRETRAINED_CHECKPOINT,
    script:
        "../scripts/write_model_card.py"


rule finetune_model:
    """Stage 5: upstream's Trainer through accelerate, one process per GPU (CPU when gpu=0).

    The output is a completion record, never model_last.pt: Snakemake deletes a job's outputs
    before re-running it, and the Trainer resumes from model_last.pt.
    """
    input:
        arrow=rules.build_features.output.arrow,
        durations=rules.build_features.output.durations,
        validation=rules.build_features.output.validation,
        vocab=rules.extend_vocab.output.vocab,
        checkpoint=rules.extend_checkpoint.output.checkpoint,
        card=rules.write_model_card.output.card,
    output:
        done=f"{CKPTS}/finetune_complete.json",
        settings=f"{WORK}/finetune_settings.json",
    log:
        f"{LOGS}/finetune_model.log",
    benchmark:
        f"{BENCHMARKS}/finetune_model.tsv"
    conda:
        "../envs/train.yaml"
    threads: lookup(dpath="finetune/num_workers", within=config)
    resources:
        gpu=lookup(dpath="finetune/gpus", within=config),
    params:
        train=lookup(dpath="finetune", within=config),
        dataset_name=DATASET,
        backbone=BACKBONE,
        arch=ARCH,
    script:
        "../scripts/finetune_model.py"


rule finetune:
    """Target: stage 5 done (all six stages)."""
    input:
        rules.extend.input,
        rules.features.input,
        rules.finetune_model.output.done,
        rules.write_model_card.output,
    localrule: True
