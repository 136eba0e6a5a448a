"""What a later inference needs to use the fine-tuned checkpoints, written next to them."""

import json
import os

from f5flow import logs, model, vocab

logs.to_file(snakemake.log[0])
card = {
    "vocab_file": os.path.abspath(snakemake.input.vocab),
    "vocab_sha256": vocab.sha256(snakemake.input.vocab),
    "vocab_lines": len(vocab.read_lines(snakemake.input.vocab)),
    # upstream inference must get the same tokens: load_model(..., vocab_file=vocab_file) and
    # text as list(NFC string), not convert_char_to_pinyin (it splits Vietnamese words).
    "tokenisation": {
        "unit": "character",
        "unicode_normalisation": "NFC",
        "whitespace": "collapsed to single spaces",
        "lowercase": snakemake.params.lowercase,
        "convert_char_to_pinyin": False,
    },
    "model": {
        "exp_name": snakemake.params.exp_name,
        "backbone": snakemake.params.backbone,
        "arch": snakemake.params.arch,
        "mel_spec": model.MEL_SPEC,
    },
    "pretrained": {
        "source": snakemake.params.source,
        "extended_checkpoint": os.path.abspath(snakemake.input.checkpoint),
    },
}
with open(snakemake.output.card, "w", encoding="utf-8") as f:
    json.dump(card, f, ensure_ascii=False, indent=2)
    f.write("\n")
