"""What a later inference needs to use the fine-tuned checkpoints, written next to them."""

from f5flow import model, rulescript, vocabulary

with rulescript.run(snakemake):
    vocab = snakemake.input.vocab
    rulescript.write_json(
        snakemake.output.card,
        model.card(
            vocab_path=vocab,
            vocab_sha256=vocabulary.sha256(vocab),
            vocab_lines=len(vocabulary.read_lines(vocab)),
            text_options=snakemake.params.text,
            exp_name=snakemake.params.exp_name,
            backbone=snakemake.params.backbone,
            arch=snakemake.params.arch,
            source=snakemake.params.source,
            extended_checkpoint=snakemake.input.checkpoint,
        ),
    )
