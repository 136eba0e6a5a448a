"""`f5flow synthesize`: speech from a fine-tuned checkpoint, with the text path training used.

    f5flow synthesize --checkpoint ckpts/myvoice/model_last.pt \\
        --ref-audio data/myvoice/wavs/clip.wav --ref-text "what the clip says" \\
        --text "Xin chào." --text "Một câu nữa." --out samples/

The model card (inference.json, beside the checkpoint by default) gives the vocab, the
architecture and the text options.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .errors import F5flowError


def synthesize_command(args) -> None:
    from . import audio, synthesis

    card = args.model_card or os.path.join(os.path.dirname(args.checkpoint), "inference.json")
    device = synthesis.device_for(args.device)
    print(f"f5flow synthesize: {args.checkpoint} on {device}", file=sys.stderr)
    voice = synthesis.load_voice(card, args.checkpoint, args.vocoder_path, device,
                                 fetch_vocoder=not args.no_fetch_vocoder)  # fmt: skip
    print(f"vocoder: {voice.vocoder_name}", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    for i, sentence in enumerate(args.text):
        sample = synthesis.synthesize(voice, args.ref_audio, args.ref_text, sentence,
                                      nfe_step=args.nfe_step)  # fmt: skip
        path = os.path.join(args.out, f"sample_{i:02d}.wav")
        synthesis.write_wav(path, sample.wave)
        note = f" (cannot be said (not in the vocab, or dropped by the verbaliser): {' '.join(sample.unknown)})" if sample.unknown else ""
        print(f"{path}: {len(sample.wave) / audio.SAMPLE_RATE:.2f} s{note}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="f5flow", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synthesize", help="speech from a fine-tuned checkpoint")
    synth.add_argument("--checkpoint", required=True, help="model_last.pt, model_N.pt or .safetensors")
    synth.add_argument("--model-card", help="inference.json (default: beside the checkpoint)")
    synth.add_argument("--ref-audio", required=True, help="3-12 s of the voice")
    synth.add_argument("--ref-text", required=True, help="what the reference audio says")
    synth.add_argument("--text", required=True, action="append", help="a sentence (repeatable)")
    synth.add_argument("--out", default="samples", help="folder for sample_NN.wav")
    synth.add_argument("--vocoder-path", help="a Vocos folder (config.yaml, pytorch_model.bin)")
    synth.add_argument("--no-fetch-vocoder", action="store_true",
                       help="do not fetch Vocos from the Hugging Face hub when it is not cached")  # fmt: skip
    synth.add_argument("--nfe-step", type=int, default=32, help="sampling steps (upstream: 32)")
    synth.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        synthesize_command(args)
    except F5flowError as err:
        print(f"f5flow: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
