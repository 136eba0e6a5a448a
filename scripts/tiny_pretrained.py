"""The demo's stand-in for a downloaded pretrained model: tiny, in the released format."""

import logging

from f5flow import checkpoint, logs, vocab

logs.to_file(snakemake.log[0])
lines = vocab.read_lines(snakemake.input.vocab)
checkpoint.build_tiny(
    snakemake.output.checkpoint,
    vocab_lines=len(lines),
    backbone=snakemake.params.backbone,
    arch=snakemake.params.arch,
    seed=snakemake.params.seed,
)
logging.info("built %s for a %d-line vocab", snakemake.output.checkpoint, len(lines))
