# What `snakemake --report report.html` shows beside the tables: figures and pages drawn from the
# stages' output files (f5flow/report.py). Cheap jobs, part of `all`, so a finished run can
# always be reported.


rule report_dataset:
    """The dataset summary, durations, speaking rate, quality checks and vocab coverage."""
    input:
        metadata=rules.build_metadata.output.metadata,
        rejected=rules.build_metadata.output.rejected,
        quality=rules.build_metadata.output.quality,
        extension=rules.extend_vocab.output.summary,
        validation=rules.build_features.output.validation,
    output:
        summary=report(
            f"{REPORTS}/dataset.html",
            caption="../report/dataset.rst",
            category="1. Dataset",
        ),
        durations=report(
            f"{REPORTS}/durations.png",
            caption="../report/durations.rst",
            category="1. Dataset",
        ),
        speaking_rate=report(
            f"{REPORTS}/speaking_rate.png",
            caption="../report/speaking_rate.rst",
            category="1. Dataset",
        ),
        quality_flags=report(
            f"{REPORTS}/quality_checks.png",
            caption="../report/quality_checks.rst",
            category="1. Dataset",
        ),
        vocab_coverage=report(
            f"{REPORTS}/vocab_coverage.png",
            caption="../report/vocab_coverage.rst",
            category="2. Vocab",
        ),
    log:
        f"{LOGS}/report_dataset.log",
    localrule: True
    conda:
        "../envs/train.yaml"
    params:
        filters=lookup(dpath="filters", within=config),
        layout=LAYOUT,
    script:
        "../scripts/report_dataset.py"


rule report_review:
    """Every input with its text, checks, outcome and audio: a page that filters and sorts."""
    input:
        quality=rules.build_metadata.output.quality,
        records=all_units(rules.resample_unit.output.records),
        wavs=all_units(rules.resample_unit.output.wavs),
        segments=all_long_recordings(rules.segment_recording.output.records),
        segment_wavs=all_long_recordings(rules.segment_recording.output.wavs),
    output:
        page=report(
            f"{REPORTS}/review.html",
            caption="../report/review.rst",
            category="1. Dataset",
        ),
        table=report(
            f"{REPORTS}/review.tsv",
            caption="../report/review_table.rst",
            category="1. Dataset",
        ),
    log:
        f"{LOGS}/report_review.log",
    benchmark:
        f"{BENCHMARKS}/report_review.tsv"
    localrule: True
    conda:
        "../envs/preprocess.yaml"
    params:
        review=lookup(dpath="review", within=config),
        dataset=DATASET,
        # where planning found the recordings (the units' plan): those stage 0 wrote no clip of
        # are played from there
        units=UNIT_MANIFESTS,
    script:
        "../scripts/report_review.py"


rule report_training:
    """Loss and learning-rate curves, the checkpoints, and the provenance of the model."""
    input:
        done=rules.finetune_model.output.done,
        card=rules.write_model_card.output.card,
    output:
        curves=report(
            f"{REPORTS}/training_curves.png",
            caption="../report/training_curves.rst",
            category="3. Training",
        ),
        checkpoints=report(
            f"{REPORTS}/checkpoints.html",
            caption="../report/checkpoints.rst",
            category="3. Training",
        ),
        provenance=report(
            f"{REPORTS}/provenance.html",
            caption="../report/provenance.rst",
            category="3. Training",
        ),
    log:
        f"{LOGS}/report_training.log",
    localrule: True
    conda:
        "../envs/train.yaml"
    params:
        exp_name=lookup(dpath="finetune/exp_name", within=config),
    script:
        "../scripts/report_training.py"


rule report_samples:
    """The synthesised samples, playable, with their mel spectrograms."""
    input:
        samples=rules.synthesize_samples.output.samples,
        record=rules.synthesize_samples.output.record,
    output:
        page=report(
            f"{REPORTS}/samples.html",
            caption="../report/samples.rst",
            category="4. Samples",
        ),
    log:
        f"{LOGS}/report_samples.log",
    localrule: True
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/report_samples.py"


rule report:
    """Target: every figure and page of the report (then `snakemake --report report.html`)."""
    input:
        rules.report_dataset.output,
        rules.report_review.output,
        rules.report_training.output,
        rules.report_samples.output,
    localrule: True
