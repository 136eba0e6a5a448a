from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/audio.smk"
include: "rules/dataset.smk"
include: "rules/checkpoint.smk"
include: "rules/features.smk"
include: "rules/finetune.smk"
include: "rules/targets.smk"


rule all:
    default_target: True
    input:
        rules.finetune.input,
    localrule: True
