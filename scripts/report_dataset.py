"""Report: the dataset summary page and the dataset and vocab figures."""

import json

from f5flow import report, rulescript, trainset

with rulescript.run(snakemake):
    inputs, outputs = snakemake.input, snakemake.output
    numbers = report.dataset_numbers(inputs.metadata, inputs.rejected, inputs.quality)
    note = trainset.read_validation(inputs.validation)["note"]
    report.write(outputs.summary, report.dataset_page(numbers, snakemake.params.layout, note))
    filters = snakemake.params.filters
    report.plot_durations(inputs.quality, filters["min_duration"], filters["max_duration"], outputs.durations)
    report.plot_speaking_rate(inputs.quality, outputs.speaking_rate)
    report.plot_quality_flags(inputs.quality, outputs.quality_flags)
    with open(inputs.extension, encoding="utf-8") as f:
        extension = json.load(f)
    report.plot_vocab_coverage(extension, report.character_counts(inputs.metadata), outputs.vocab_coverage)
