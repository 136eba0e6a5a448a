"""Stage 2: pretrained vocab + the dataset's missing characters."""

from f5flow import rulescript, vocabulary

with rulescript.run(snakemake):
    pretrained_path = vocabulary.resolve(snakemake.params.pretrained_vocab)
    pretrained = vocabulary.read_lines(pretrained_path)
    characters = vocabulary.read_lines(snakemake.input.characters)
    extension = vocabulary.extend(pretrained, characters)
    vocabulary.write_lines(snakemake.output.vocab, extension.lines)
    rulescript.write_json(
        snakemake.output.summary,
        vocabulary.extension_summary(
            extension,
            characters,
            source=snakemake.params.pretrained_vocab,
            pretrained_path=pretrained_path,
            vocab_path=snakemake.output.vocab,
        ),
    )
    rulescript.say(vocabulary.describe(extension, characters))
