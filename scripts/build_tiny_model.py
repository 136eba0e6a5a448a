"""The demo's stand-in for a downloaded pretrained model: tiny, in the released format."""

import logging

from f5flow import rulescript, vocabulary, weights

with rulescript.run(snakemake):
    lines = vocabulary.read_lines(vocabulary.resolve(snakemake.params.pretrained_vocab))
    weights.build_tiny(
        snakemake.output.checkpoint,
        vocab_lines=len(lines),
        backbone=snakemake.params.backbone,
        arch=snakemake.params.arch,
        seed=snakemake.params.seed,
    )
    logging.info("built %s for a %d-line vocab", snakemake.output.checkpoint, len(lines))
