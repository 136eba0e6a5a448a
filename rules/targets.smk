# One target per stage, so that `snakemake metadata` stops after stage 1 like the recipe's
# stop_stage. They only gather outputs and run on the submitting host.


rule resample:
    input:
        rules.publish_wavs.output,
    localrule: True


rule metadata:
    input:
        rules.resample.input,
        rules.build_metadata.output,
    localrule: True


rule vocab:
    input:
        rules.metadata.input,
        rules.extend_vocab.output,
    localrule: True


rule extend:
    input:
        rules.vocab.input,
        rules.extend_checkpoint.output,
    localrule: True


rule features:
    input:
        rules.vocab.input,
        rules.build_features.output,
    localrule: True


rule finetune:
    input:
        rules.extend.input,
        rules.features.input,
        rules.finetune_model.output.done,
        rules.model_card.output,
    localrule: True
