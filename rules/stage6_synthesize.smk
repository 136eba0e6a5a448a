# After stage 5: speech from the fine-tuned model, to listen to what training made (part of
# `all`; `snakemake synthesize` after changing synthesize.* makes only these).


rule synthesize_samples:
    """synthesize.sentences in the voice of a reference clip, with the training text path."""
    input:
        done=rules.finetune_model.output.done,
        card=rules.write_model_card.output.card,
        metadata=rules.build_metadata.output.metadata,
        quality=rules.build_metadata.output.quality,
    output:
        samples=SAMPLE_FILES,
        record=f"{SAMPLES}/synthesis.json",
    log:
        f"{LOGS}/synthesize_samples.log",
    benchmark:
        f"{BENCHMARKS}/synthesize_samples.tsv"
    conda:
        "../envs/train.yaml"
    params:
        synthesize=lookup(dpath="synthesize", within=config),
        # null: best_model.pt where the fine-tune wrote one, else model_last.pt
        checkpoint=lambda wildcards: (
            f"{CKPTS}/{config['synthesize']['checkpoint']}"
            if config["synthesize"]["checkpoint"]
            else None
        ),
    script:
        "../scripts/synthesize_samples.py"


rule synthesize:
    """Target: samples of the fine-tuned voice."""
    input:
        rules.synthesize_samples.output,
    localrule: True
