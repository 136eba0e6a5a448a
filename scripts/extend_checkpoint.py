"""Stage 3: the pretrained checkpoint with text-embedding rows for the new characters."""

import logging

from f5flow import hub, rulescript, vocabulary, weights

with rulescript.run(snakemake):
    source = snakemake.params.source
    path = hub.fetch(source)
    ckpt = weights.load(path)
    if ckpt.dropped:
        logging.warning(
            "dropped %s from %s: with them upstream's Trainer would resume that training "
            "instead of starting a fine-tune",
            ", ".join(ckpt.dropped),
            path,
        )
    pretrained_path = vocabulary.resolve(snakemake.params.pretrained_vocab)
    pretrained = vocabulary.read_lines(pretrained_path)
    lines = vocabulary.read_lines(snakemake.input.vocab)
    vocabulary.check_prefix(pretrained, lines, pretrained_path, snakemake.input.vocab)
    extended = weights.extend(
        ckpt,
        pretrained_lines=len(pretrained),
        vocab_lines=len(lines),
        vocab_sha256=vocabulary.sha256(snakemake.input.vocab),
        init=snakemake.params.new_rows,
        source=source,
    )
    weights.save(snakemake.output.checkpoint, extended)
    logging.info(
        "%s: text embedding %d -> %d rows (%s new rows)",
        snakemake.output.checkpoint,
        ckpt.embedding_rows,
        extended.embedding_rows,
        snakemake.params.new_rows,
    )
