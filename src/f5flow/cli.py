"""`f5flow synthesize`: speech from a fine-tuned checkpoint, with the text path training used.

    f5flow synthesize --checkpoint ckpts/myvoice --text "Xin chào." --text "Một câu nữa."

A checkpoints folder speaks with its best_model.pt where validation chose one, else
model_last.pt; the reference is a kept 3-12 s clip of data/myvoice/ unless --ref-audio and
--ref-text give one; samples go to samples/myvoice/synthesized_NNN.wav, numbered after those
already there (never overwritten). The model card (inference.json, beside the checkpoints by
default) gives the vocab, the architecture and the text options.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys

from .errors import F5flowError

OUTPUT_NAME = "synthesized_{:03d}.wav"
_NUMBERED = re.compile(r"synthesized_(\d+)\.wav\Z")


def project_of(checkpoint: str) -> tuple[str, str, str]:
    """(checkpoints folder, dataset name, project folder) of a checkpoint file or folder: the
    workflow keeps ckpts/NAME/ beside data/NAME/ and samples/NAME/."""
    folder = checkpoint if os.path.isdir(checkpoint) else os.path.dirname(os.path.abspath(checkpoint))
    folder = os.path.abspath(folder)
    return folder, os.path.basename(folder), os.path.dirname(os.path.dirname(folder))


def checkpoint_file(checkpoint: str) -> str:
    """A checkpoint file as given, or a folder's: what its fine-tune record names (best_model.pt
    where validation chose one, else model_last.pt)."""
    from . import synthesis

    if not os.path.isdir(checkpoint):
        return checkpoint
    done = os.path.join(checkpoint, "finetune_complete.json")
    if os.path.isfile(done):
        return synthesis.trained_checkpoint(done)
    for name in ("best_model.pt", "model_last.pt"):
        if os.path.isfile(os.path.join(checkpoint, name)):
            return os.path.join(checkpoint, name)
    raise F5flowError(f"{checkpoint}: no finetune_complete.json, best_model.pt or model_last.pt in it")


def next_outputs(folder: str, count: int) -> list[str]:
    """`count` new file names in `folder`, numbered after the highest already there."""
    taken = [int(m.group(1)) for m in map(_NUMBERED.match, os.listdir(folder)) if m]
    first = max(taken, default=0) + 1
    return [os.path.join(folder, OUTPUT_NAME.format(first + i)) for i in range(count)]


def reference(args, data: str) -> tuple[str, str]:
    from . import dataset

    if args.ref_audio or args.ref_text:
        if not (args.ref_audio and args.ref_text):
            raise F5flowError("give --ref-audio and --ref-text together (what the clip says)")
        return args.ref_audio, args.ref_text
    metadata, quality = os.path.join(data, "metadata.csv"), os.path.join(data, "quality.tsv")
    if not (os.path.isfile(metadata) and os.path.isfile(quality)):
        raise F5flowError(f"no {metadata} and {quality} to take a reference clip from: give "
                          "--ref-audio and --ref-text")  # fmt: skip
    chosen = dataset.reference_clip(metadata, quality)
    if chosen.note:
        print(chosen.note, file=sys.stderr)
    return os.path.join(data, chosen.audio), chosen.text


def synthesize_command(args) -> None:
    from . import audio, synthesis

    folder, name, project = project_of(args.checkpoint)
    checkpoint = checkpoint_file(args.checkpoint)
    card = args.model_card or os.path.join(folder, "inference.json")
    ref_audio, ref_text = reference(args, os.path.join(project, "data", name))
    out = args.out or os.path.join(project, "samples", name)
    device = synthesis.device_for(args.device)
    print(f"f5flow synthesize: {checkpoint} on {device}; reference {ref_audio}", file=sys.stderr)
    voice = synthesis.load_voice(card, checkpoint, args.vocoder_path, device,
                                 fetch_vocoder=not args.no_fetch_vocoder)  # fmt: skip
    print(f"vocoder: {voice.vocoder_name}" + (f": {voice.vocoder_note}" if voice.vocoder_note else ""),
          file=sys.stderr)  # fmt: skip
    os.makedirs(out, exist_ok=True)
    for path, sentence in zip(next_outputs(out, len(args.text)), args.text):
        sample = synthesis.synthesize(voice, ref_audio, ref_text, sentence, nfe_step=args.nfe_step)
        synthesis.write_wav(path, sample.wave)
        unsayable = " ".join(sample.unknown)
        note = f" (cannot be said (not in the vocab, or dropped by the verbaliser): {unsayable})" if unsayable else ""
        print(f"{path}: {len(sample.wave) / audio.SAMPLE_RATE:.2f} s{note}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="f5flow", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synthesize", help="speech from a fine-tuned checkpoint")
    synth.add_argument("--checkpoint", required=True,
                       help="ckpts/NAME (its best_model.pt, else model_last.pt), or a checkpoint file")  # fmt: skip
    synth.add_argument("--model-card", help="inference.json (default: beside the checkpoint)")
    synth.add_argument("--ref-audio", help="3-12 s of the voice (default: a kept clip of data/NAME/)")
    synth.add_argument("--ref-text", help="what the reference audio says")
    synth.add_argument("--text", required=True, action="append", help="a sentence (repeatable)")
    synth.add_argument("--out", help="folder for synthesized_NNN.wav (default: samples/NAME/)")
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
