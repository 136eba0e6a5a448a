import os

from snakemake.utils import min_version

min_version("9.0")


# The workflow's own default (the real model), also when run with --directory elsewhere; a
# --configfile is merged over it, key by key.
configfile: os.path.join(workflow.basedir, "config", "config.yaml")


report: "report/workflow.rst"


# One file per stage (stageN_<target>.smk): its jobs, then the target that stops after it.
include: "rules/common.smk"
include: "rules/stage0-1_resample_metadata.smk"
include: "rules/stage2_vocab.smk"
include: "rules/stage3_extend.smk"
include: "rules/stage4_features.smk"
include: "rules/stage5_finetune.smk"
include: "rules/stage6_synthesize.smk"
include: "rules/report.smk"


# A stop sent to Snakemake alone (kill -INT PID, a job manager, an IDE's stop button) reaches
# its jobs too: the fine-tune saves model_last.pt instead of training on unseen.
onstart:
    interrupts.forward_stops()


# The end of every successful run: what was kept, where the model is, how to hear it.
onsuccess:
    print(
        summary.text(
            DATASET,
            summary.Outputs(
                quality=rules.build_metadata.output.quality,
                rejected=rules.build_metadata.output.rejected,
                done=rules.finetune_model.output.done,
                samples=rules.synthesize_samples.output.record,
                reports=REPORTS,
            ),
        ),
        file=sys.stderr,
    )


rule all:
    default_target: True
    input:
        rules.finetune.input,
        rules.synthesize.input,
        rules.report.input,
    localrule: True
