"""Samples of the fine-tuned voice: each of synthesize.sentences, and a record of how."""

import os

from f5flow import audio, dataset, errors, rulescript, synthesis

with rulescript.run(snakemake):
    settings = snakemake.params.synthesize
    ref_audio, ref_text = settings["ref_audio"], settings["ref_text"]
    if ref_audio and not ref_text:
        raise errors.F5flowError("config key synthesize.ref_text: say what synthesize.ref_audio says")
    if not ref_audio:
        # a kept 3-12 s clip: a voice the model was trained on, with its canonical text
        reference = dataset.reference_clip(snakemake.input.metadata, snakemake.input.quality)
        ref_audio = os.path.join(os.path.dirname(snakemake.input.metadata), reference.audio)
        ref_text = reference.text
        if reference.note:
            rulescript.say(reference.note)
    checkpoint = snakemake.params.checkpoint or synthesis.trained_checkpoint(snakemake.input.done)
    device = synthesis.device_for(settings["device"])
    voice = synthesis.load_voice(
        snakemake.input.card, checkpoint, settings["vocoder_path"], device,
        fetch_vocoder=settings["fetch_vocoder"],
    )
    rulescript.say(f"f5flow synthesize: {checkpoint} on {device}, vocoder {voice.vocoder_name}")
    if voice.vocoder_note:
        rulescript.say(voice.vocoder_note)
    made = []
    for path, sentence in zip(snakemake.output.samples, settings["sentences"]):
        sample = synthesis.synthesize(voice, ref_audio, ref_text, sentence, settings["nfe_step"])
        synthesis.write_wav(path, sample.wave)
        if sample.unknown:
            rulescript.say(f"{path}: cannot be said (not in the vocab, or dropped by the verbaliser): {' '.join(sample.unknown)}")
        made.append({"file": path, "text": sentence, "tokens": "".join(sample.tokens),
                     "seconds": round(len(sample.wave) / audio.SAMPLE_RATE, 3), "unknown": sample.unknown})  # fmt: skip
    rulescript.write_json(snakemake.output.record, {
        "checkpoint": checkpoint, "device": device,
        "vocoder": voice.vocoder_name, "reference": {"audio": ref_audio, "text": ref_text},
        "samples": made,
    })  # fmt: skip
