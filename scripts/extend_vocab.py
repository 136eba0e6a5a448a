"""Stage 2: pretrained vocab + the dataset's missing characters."""

import json
import logging

from f5flow import logs, vocab

logs.to_file(snakemake.log[0])
pretrained = vocab.read_lines(snakemake.input.pretrained)
characters = vocab.read_lines(snakemake.input.characters)
extension = vocab.extend(pretrained, characters)
vocab.write_lines(snakemake.output.vocab, extension.lines)
summary = {
    "pretrained_vocab": snakemake.params.source,
    "pretrained_path": snakemake.input.pretrained,
    "pretrained_sha256": vocab.sha256(snakemake.input.pretrained),
    "pretrained_lines": len(extension.pretrained),
    "dataset_characters": len(characters),
    "missing_count": len(extension.missing),
    "missing": extension.missing,
    "vocab_lines": len(extension.lines),
    "vocab_sha256": vocab.sha256(snakemake.output.vocab),
}
with open(snakemake.output.summary, "w", encoding="utf-8") as f:
    json.dump(summary, f, ensure_ascii=False, indent=2)
    f.write("\n")
message = (
    f"{len(extension.missing)} of {len(characters)} dataset characters missing from the "
    f"pretrained vocab ({len(pretrained)} lines), appended: {''.join(extension.missing)!r}"
)
logging.info("%s", message)
print(message)
