"""What `snakemake --report` shows: the dataset, the vocab, the training, the samples.

Every figure is drawn from the workflow's own output files (quality.tsv, rejected.tsv,
metadata.csv, vocab_extension.json, the tensorboard log, validation.jsonl, synthesis.json), so
the report says what the files say. Pages are self-contained HTML (images and audio inline as
data URIs) made from Jinja2 templates (templates/, escaping on): Snakemake's report shows them in
a frame, and they open on their own too.
"""

from __future__ import annotations

import base64
import io
import json
import os
import statistics
from collections import Counter

from .dataset import KEPT, hours_kept, read_metadata, read_tsv, reason_codes, trimmed_edges
from .whole import written

FIGSIZE = (8, 4.5)


# -- numbers -----------------------------------------------------------------------------


def dataset_numbers(metadata: str, rejected: str, quality: str) -> dict:
    """The dataset summary: kept clips from metadata.csv, the rest by reason from rejected.tsv,
    hours and flags from quality.tsv, and per folder where the inputs sit in several."""
    kept = len(read_metadata(metadata))
    not_kept = read_tsv(rejected)
    rows = read_tsv(quality)
    by_reason = Counter(r["reason"] for r in not_kept)
    folders: dict[str, dict] = {}
    speakers: dict[str, dict] = {}
    trimmed, seconds_cut = 0, 0.0
    for row in rows:
        folder = os.path.dirname(row["file"]) or "."
        entry = folders.setdefault(folder, {"files": 0, "kept": 0, "seconds": 0.0})
        entry["files"] += 1
        speaker = speakers.setdefault(row.get("speaker", ""), {"files": 0, "kept": 0, "seconds": 0.0})
        speaker["files"] += 1
        if row["outcome"] in KEPT:
            for where in (entry, speaker):
                where["kept"] += 1
                where["seconds"] += float(row["duration"])
            if row.get("trimmed"):  # seconds cut by edge_silence
                trimmed += 1
                seconds_cut += sum(trimmed_edges(row["trimmed"]))
    return {
        "files_in": kept + len(not_kept),
        "kept": kept,
        "not_kept": len(not_kept),
        "not_kept_by_reason": dict(sorted(by_reason.items())),
        "flagged": sum(r["outcome"] == "flagged" for r in rows),
        "hours_kept": hours_kept(rows),
        "trimmed": trimmed,  # kept clips whose silent edges stage 0 cut (quality.edge_silence)
        "seconds_trimmed": round(seconds_cut, 3),
        "per_folder": folders if len(folders) > 1 else {},
        # where the layout tells speakers ("": inputs with none, such as unused files)
        "per_speaker": speakers if set(speakers) - {""} else {},
    }


def character_counts(metadata: str) -> Counter:
    return Counter("".join(text for _, text in read_metadata(metadata)))


# -- figures -----------------------------------------------------------------------------


def _figure():
    import matplotlib

    matplotlib.use("Agg")  # no display on cluster nodes
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=FIGSIZE)
    return plt, fig, ax


def _save(plt, fig, path: str) -> None:
    fig.tight_layout()
    with written(path) as partial:
        fig.savefig(partial, dpi=100)
    plt.close(fig)


def duration_axis(durations: list[float], limits: tuple[float, float]) -> tuple[float, float]:
    """The duration axis: the data's span with a margin (a set of 2-4 s clips is not two bars
    on 0-30 s), widened to a filter limit only where that limit is near the data."""
    if not durations:
        return 0.0, limits[1]
    lo, hi = min(durations), max(durations)
    margin = max((hi - lo) * 0.05, 0.25)
    lo, hi = max(lo - margin, 0.0), hi + margin
    for limit in limits:  # within half the span: shown, so the cut is visible
        if lo - (hi - lo) / 2 <= limit <= hi + (hi - lo) / 2:
            lo, hi = min(lo, max(limit - margin, 0.0)), max(hi, limit + margin)
    return lo, hi


def _integer_counts(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))  # no 0.5 of a recording


def plot_durations(quality: str, min_duration: float, max_duration: float, path: str) -> tuple[float, float]:
    """The durations' histogram; returns the axis span drawn."""
    rows = [r for r in read_tsv(quality) if r["duration"]]
    kept = [float(r["duration"]) for r in rows if r["outcome"] in KEPT]
    other = [float(r["duration"]) for r in rows if r["outcome"] not in KEPT]
    plt, fig, ax = _figure()
    lo, hi = duration_axis(kept + other, (min_duration, max_duration))
    bins = [lo + (hi - lo) * i / 40 for i in range(41)]
    ax.hist([kept, other], bins=bins, stacked=True, color=["#3b7dd8", "#d8603b"],
            label=[f"kept ({len(kept)})", f"not kept ({len(other)})"])  # fmt: skip
    for limit, name in ((min_duration, "min_duration"), (max_duration, "max_duration")):
        if lo <= limit <= hi:
            ax.axvline(limit, color="black", linestyle="--", linewidth=1)
            ax.annotate(f"{name} {limit:g} s", (limit, 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -12), textcoords="offset points", fontsize=8)  # fmt: skip
    ax.set_xlim(lo, hi)
    _integer_counts(ax.yaxis)
    ax.set_xlabel(f"duration (s); kept between {min_duration:g} and {max_duration:g} s")
    ax.set_ylabel("recordings")
    ax.set_title(f"Durations: {sum(kept) / 3600:.2f} h kept")
    ax.legend()
    _save(plt, fig, path)
    return lo, hi


def plot_speaking_rate(quality: str, path: str, named: int = 3) -> None:
    """Characters per second of the kept clips; the flagged ones and the most extreme named."""
    import math

    rows = [r for r in read_tsv(quality) if r["outcome"] in KEPT and r["chars_per_second"]]
    plt, fig, ax = _figure()
    if not rows:
        ax.text(0.5, 0.5, "no kept clips", ha="center", transform=ax.transAxes)
    else:
        x = [float(r["duration"]) for r in rows]
        y = [float(r["chars_per_second"]) for r in rows]
        median = statistics.median(y)
        flagged = {i for i, r in enumerate(rows) if "speaking_rate" in reason_codes(r["reason"])}
        extreme = sorted(range(len(rows)), key=lambda i: -abs(math.log(max(y[i], 1e-6) / median)))[:named]
        ax.scatter(x, y, s=14, color="#3b7dd8", label="kept")
        if flagged:
            ax.scatter([x[i] for i in flagged], [y[i] for i in flagged], s=30, color="#d8603b",
                       label="flagged speaking_rate")  # fmt: skip
        ax.axhline(median, color="gray", linestyle=":", label=f"median {median:.1f} chars/s")
        for i in sorted(flagged | set(extreme)):
            ax.annotate(rows[i]["clip"], (x[i], y[i]), xytext=(4, 3), textcoords="offset points", fontsize=8)
        ax.legend(fontsize=8)
    ax.set_xlabel("duration (s)")
    ax.set_ylabel("characters per second")
    ax.set_title("Speaking rate (outliers named)")
    _save(plt, fig, path)


def plot_quality_flags(quality: str, path: str) -> None:
    """Recordings per check and outcome: flagged (kept), dropped, rejected, ignored."""
    counts: Counter = Counter()
    for row in read_tsv(quality):
        if row["outcome"] != "kept":
            for code in reason_codes(row["reason"]):
                counts[(code, row["outcome"])] += 1
    plt, fig, ax = _figure()
    colours = {"flagged": "#e0b030", "dropped": "#d8603b", "rejected": "#a03030", "ignored": "#999999"}
    if not counts:
        ax.text(0.5, 0.5, "every recording kept, nothing flagged", ha="center", transform=ax.transAxes)
    else:
        items = sorted(counts.items(), key=lambda kv: (kv[0][1], -kv[1]))
        labels = [f"{code} ({outcome})" for (code, outcome), _ in items]
        ax.barh(labels, [n for _, n in items], color=[colours.get(o, "#666") for (_, o), _ in items])
        for i, (_, n) in enumerate(items):
            ax.annotate(str(n), (n, i), xytext=(3, -3), textcoords="offset points", fontsize=8)
        ax.invert_yaxis()
    _integer_counts(ax.xaxis)
    ax.set_xlabel("recordings")
    ax.set_title("Quality checks and filters")
    _save(plt, fig, path)


def plot_vocab_coverage(extension: dict, counts: Counter, path: str) -> None:
    """The characters appended to the pretrained vocab, with how often the dataset uses each."""
    added = extension["missing"]
    plt, fig, ax = _figure()
    if added:
        ax.bar(range(len(added)), [counts.get(ch, 0) for ch in added], color="#3b7dd8")
        ax.set_xticks(range(len(added)), added, fontsize=11)
        ax.set_ylabel("occurrences in metadata.csv")
        _integer_counts(ax.yaxis)
    else:
        ax.text(0.5, 0.5, "the pretrained vocab holds every character", ha="center", transform=ax.transAxes)
    ax.set_title(
        f"Vocab: {len(added)} of the dataset's {extension['dataset_characters']} characters added to "
        f"the {extension['pretrained_lines']}-line pretrained vocab"
    )
    _save(plt, fig, path)


def plot_training(losses: list, rates: list, validation: list, path: str) -> None:
    """Training loss per update (and its moving mean), validation loss at the checkpoints, and
    the learning rate, over the current run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, height_ratios=(2, 1))
    if losses:
        steps, values = zip(*losses)
        window = max(1, len(values) // 20)
        mean = [sum(values[max(0, i - window + 1) : i + 1]) / len(values[max(0, i - window + 1) : i + 1])
                for i in range(len(values))]  # fmt: skip
        top.plot(steps, values, color="#9dbbe8" if window > 1 else "#3b7dd8", linewidth=0.8, label="training loss")
        if window > 1:
            top.plot(steps, mean, color="#3b7dd8", label=f"training loss, mean of {window}")
    if validation:
        top.plot([v["update"] for v in validation], [v["loss"] for v in validation], "o-", color="#d8603b",
                 label="validation loss (held-out clips)")  # fmt: skip
        best = min(validation, key=lambda v: v["loss"])
        top.annotate(f"best {best['loss']:.4f}", (best["update"], best["loss"]), xytext=(5, 8),
                     textcoords="offset points", fontsize=8)  # fmt: skip
    if not losses and not validation:
        top.text(0.5, 0.5, "no training log found", ha="center", transform=top.transAxes)
    top.set_ylabel("loss")
    top.legend(fontsize=8)
    top.set_title("Fine-tune: loss and learning rate")
    if rates:
        bottom.plot(*zip(*rates), color="#555555")
    bottom.set_ylabel("learning rate")
    bottom.set_xlabel("update")
    _save(plt, fig, path)


def plot_mel(wave, rate: int, title: str):
    """A mel spectrogram (upstream's MelSpec, as the model sees audio) as PNG bytes."""
    import torch
    from f5_tts.model.modules import MelSpec

    from .model import MEL_SPEC

    spec = MelSpec(**MEL_SPEC)(torch.as_tensor(wave, dtype=torch.float32)[None])
    plt, fig, ax = _figure()
    ax.imshow(spec[0].numpy(), origin="lower", aspect="auto", cmap="magma",
              extent=(0, len(wave) / rate, 0, spec.shape[1]))  # fmt: skip
    ax.set_xlabel("seconds")
    ax.set_ylabel("mel channel")
    ax.set_title(title, fontsize=9)
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return buffer.getvalue()


# -- pages -------------------------------------------------------------------------------


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def render(template: str, **context) -> str:
    """A page from templates/ (Jinja2): every value escaped unless a template says otherwise."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("f5flow", "templates"),
        autoescape=True,  # transcripts, file names and speakers are the user's text
        undefined=jinja2.StrictUndefined,  # a value a template names and the code forgot: an error
        keep_trailing_newline=True,
    )
    return environment.get_template(template).render(**context)


def dataset_page(numbers: dict, layout: str, validation_note: str) -> str:
    rows = [("recordings in", numbers["files_in"]), ("kept (metadata.csv)", numbers["kept"]),
            ("of them flagged", numbers["flagged"]), ("not kept (rejected.tsv)", numbers["not_kept"]),
            ("hours kept", f"{numbers['hours_kept']:.3f}"),
            ("of them with silent edges trimmed", f"{numbers['trimmed']} ({numbers['seconds_trimmed']:.1f} s cut)")]  # fmt: skip
    keys = ["files_in", "kept", "flagged", "not_kept", "hours_kept", "trimmed"]
    for reason, n in numbers["not_kept_by_reason"].items():
        rows.append((f"not kept: {reason}", n))
        keys.append(f"not_kept:{reason}")
    folder_rows = [(folder, v["files"], v["kept"], f"{v['seconds'] / 3600:.3f}")
                   for folder, v in sorted(numbers["per_folder"].items())]  # fmt: skip
    by_hours = sorted(numbers["per_speaker"].items(), key=lambda item: (-item[1]["seconds"], item[0]))
    speaker_rows = [(speaker or "(none)", v["files"], v["kept"], f"{v['seconds'] / 3600:.3f}")
                    for speaker, v in by_hours]  # fmt: skip
    return render("dataset.html.j2", title="Dataset", layout=layout, validation_note=validation_note,
                  rows=rows, keys=keys, folder_rows=folder_rows, speaker_rows=speaker_rows,
                  speaker_keys=[s for s, _ in by_hours])  # fmt: skip


def checkpoints_page(ckpts_dir: str, done: dict) -> str:
    """The files a user can load, with their update and validation loss."""
    import torch

    measured = {e["update"]: e["loss"] for e in (done.get("validation_loss") or {}).get("evaluations", [])}
    rows = []
    for name in sorted(os.listdir(ckpts_dir)):
        path = os.path.join(ckpts_dir, name)
        if not (name.endswith((".pt", ".safetensors")) and os.path.isfile(path)):
            continue
        update = None
        if name.endswith(".pt"):
            update = torch.load(path, map_location="cpu", weights_only=True, mmap=True).get("update")
        loss = measured.get(update)
        rows.append((name, "" if update is None else update, f"{os.path.getsize(path) / 2**20:.1f}",
                     "" if loss is None else f"{loss:.4f}"))  # fmt: skip
    best = done.get("best_checkpoint")
    return render("checkpoints.html.j2", title="Checkpoints", ckpts_dir=ckpts_dir, rows=rows,
                  best=os.path.basename(best) if best else "",
                  best_update=done["validation_loss"]["best_update"] if best else None,
                  validation_note=done.get("validation_note", ""))  # fmt: skip


def provenance_page(card: dict, done: dict, versions: dict) -> str:
    shown = {k: v for k, v in done.items() if k != "validation_loss"}
    return render("provenance.html.j2", title="Provenance", versions=sorted(versions.items()),
                  card=json.dumps(card, indent=2, ensure_ascii=False),
                  record=json.dumps(shown, indent=2, ensure_ascii=False))  # fmt: skip


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("f5flow", "f5-tts", "torch", "snakemake", "accelerate", "sea-g2p", "soxr"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def samples_page(record: dict, samples_dir: str) -> str:
    """Each sample playable, with its text, the text the model was given, and its mel."""
    import soundfile

    reference = record.get("reference") or {}
    shown_reference = None
    if reference.get("audio") and os.path.isfile(reference["audio"]):
        with open(reference["audio"], "rb") as f:
            shown_reference = {"text": reference.get("text", ""), "audio": data_uri(f.read(), "audio/wav")}
    samples = []
    for sample in record["samples"]:
        path = os.path.join(samples_dir, os.path.basename(sample["file"]))
        with open(path, "rb") as f:
            audio = f.read()
        wave, rate = soundfile.read(path, dtype="float32")
        samples.append({
            "name": os.path.basename(path), "seconds": len(wave) / rate, "text": sample.get("text", ""),
            "tokens": sample.get("tokens", ""), "unknown": sample.get("unknown") or [],
            "audio": data_uri(audio, "audio/wav"), "mel": data_uri(plot_mel(wave, rate, os.path.basename(path)), "image/png"),
        })  # fmt: skip
    return render("samples.html.j2", title="Samples", checkpoint=str(record.get("checkpoint", "")),
                  vocoder=str(record["vocoder"]), griffin_lim="griffin" in str(record["vocoder"]).lower(),
                  reference=shown_reference, samples=samples)  # fmt: skip


def write(path: str, content: str) -> None:
    with written(path) as partial, open(partial, "w", encoding="utf-8") as f:
        f.write(content)


