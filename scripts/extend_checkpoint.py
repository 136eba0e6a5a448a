"""Stage 3: the pretrained checkpoint with text-embedding rows for the new characters."""

import logging

from f5flow import checkpoint, hub, logs, vocab

logs.to_file(snakemake.log[0])
with logs.failing_cleanly(checkpoint.CheckpointError, hub.HubError, vocab.VocabError):
    source = snakemake.params.source
    path = hub.fetch(source)
    ckpt = checkpoint.load(path)
    if ckpt.dropped:
        logging.warning(
            "dropped %s from %s: with them upstream's Trainer would resume that training "
            "instead of starting a fine-tune",
            ", ".join(ckpt.dropped),
            path,
        )
    pretrained = vocab.read_lines(snakemake.input.pretrained_vocab)
    lines = vocab.read_lines(snakemake.input.vocab)
    if lines[: len(pretrained)] != pretrained:
        raise vocab.VocabError(
            f"{snakemake.input.vocab} does not start with the lines of "
            f"{snakemake.input.pretrained_vocab}: re-run the vocab stage"
        )
    extended = checkpoint.extend(
        ckpt,
        pretrained_lines=len(pretrained),
        vocab_lines=len(lines),
        vocab_sha256=vocab.sha256(snakemake.input.vocab),
        init=snakemake.params.new_rows,
        source=source,
    )
    checkpoint.save(snakemake.output.checkpoint, extended)
    logging.info(
        "%s: text embedding %d -> %d rows (%s new rows)",
        snakemake.output.checkpoint,
        ckpt.embedding_rows,
        extended.embedding_rows,
        snakemake.params.new_rows,
    )
