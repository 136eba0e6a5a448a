"""`snakemake --report` of the demo run: every figure a real, non-trivial image, the summary's
numbers those of metadata.csv and rejected.tsv, the samples playable."""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile
from collections import Counter

import numpy as np
import pytest
import soundfile
from PIL import Image

from conftest import copy_of_demo_run, snakemake

pytestmark = pytest.mark.workflow

FIGURES = ("durations.png", "speaking_rate.png", "quality_checks.png", "vocab_coverage.png", "training_curves.png")
PAGES = ("dataset.html", "checkpoints.html", "provenance.html", "samples.html")


def check_image(data: bytes, name: str) -> None:
    image = Image.open(io.BytesIO(data))
    image.verify()  # a complete, valid file
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=float)
    assert pixels.shape[0] >= 300 and pixels.shape[1] >= 500, (name, pixels.shape)
    # something drawn: many grey levels and a share of the image away from the background
    assert len(np.unique(pixels)) > 20 and (pixels < 200).mean() > 0.02, name


@pytest.fixture(scope="module")
def report(demo_run, tmp_path_factory):
    """The report zip of a copy of the finished demo run, unpacked: file name -> bytes."""
    workdir = tmp_path_factory.mktemp("report")
    config = copy_of_demo_run(demo_run, workdir / "project")
    zipped = workdir / "report.zip"
    snakemake(workdir / "project", "--report", str(zipped), **config)
    with zipfile.ZipFile(zipped) as z:
        files = {name.rsplit("/", 1)[-1]: z.read(name) for name in z.namelist() if not name.endswith("/")}
    return files, workdir / "project"


def test_every_figure_is_a_real_image(report):
    files, _ = report
    assert "report.html" in files
    for name in FIGURES:
        assert name in files, sorted(files)
        check_image(files[name], name)
    for name in PAGES:
        assert name in files, sorted(files)


def test_dataset_summary_equals_metadata_and_rejected(report):
    files, project = report
    page = files["dataset.html"].decode("utf-8")
    shown = dict(re.findall(r"data-key='([^']+)'>([^<]*)</td>", page))
    data = project / "data" / "demo"
    with open(data / "metadata.csv", encoding="utf-8", newline="") as f:
        kept = list(csv.reader(f, delimiter="|"))[1:]
    with open(data / "rejected.tsv", encoding="utf-8", newline="") as f:
        rejected = list(csv.DictReader(f, delimiter="\t"))
    seconds = sum(soundfile.info(str(data / audio_file)).duration for audio_file, _ in kept)
    print("summary shown:", shown)
    assert int(shown["kept"]) == len(kept) == 21
    assert int(shown["not_kept"]) == len(rejected) == 4
    assert int(shown["files_in"]) == len(kept) + len(rejected)
    assert {k.split(":", 1)[1]: int(v) for k, v in shown.items() if k.startswith("not_kept:")} == Counter(
        row["reason"] for row in rejected
    )
    assert float(shown["hours_kept"]) == pytest.approx(seconds / 3600, abs=1e-3)
    assert shown["trimmed"] == "0 (0.0 s cut)"  # the demo's kept clips start and end on speech
    assert "4 of 21 clips held out" in page


def test_samples_play_in_the_page_with_their_mels(report):
    files, _ = report
    page = files["samples.html"].decode("utf-8")
    audio = re.findall(r"src='data:audio/wav;base64,([^']+)'", page)
    mels = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    assert len(audio) == 3 and len(mels) == 2  # the reference and 2 samples; a mel per sample
    for data in audio[1:]:
        wave, rate = soundfile.read(io.BytesIO(base64.b64decode(data)))
        assert rate == 24000 and wave.ndim == 1 and len(wave) > rate // 2 and np.sqrt(np.mean(wave**2)) > 1e-3
    for i, data in enumerate(mels):
        check_image(base64.b64decode(data), f"mel {i}")
    assert "Griffin-Lim" in page  # the fallback vocoder is said in the report too


def test_training_pages_name_the_best_checkpoint(report):
    files, _ = report
    checkpoints = files["checkpoints.html"].decode("utf-8")
    assert "best_model.pt" in checkpoints and "model_last.pt" in checkpoints
    provenance = files["provenance.html"].decode("utf-8")
    assert "vocab_sha256" in provenance and "f5-tts" in provenance


def test_sample_texts_are_escaped_in_the_page(tmp_path):
    from f5flow import report

    soundfile.write(str(tmp_path / "sample_00.wav"), np.sin(np.arange(12000) / 5) * 0.2, 24000)
    record = {"vocoder": "vocos", "checkpoint": "model_last.pt",
              "samples": [{"file": "sample_00.wav", "text": "xin <b>chào</b> & 'bạn'", "tokens": "<x>"}]}  # fmt: skip
    page = report.samples_page(record, str(tmp_path))
    assert "xin &lt;b&gt;chào&lt;/b&gt; &amp; &#x27;bạn&#x27;" in page and "&lt;x&gt;" in page
    assert "<b>chào</b>" not in page and "<x>" not in page
    assert "Cannot be said" not in page
    # characters the model cannot say are named on the page, as on the console
    record["samples"][0]["unknown"] = ["ж", "<"]
    page = report.samples_page(record, str(tmp_path))
    assert "(not in the model's vocab, or dropped by the verbaliser): ж &lt;</p>" in page


def test_the_duration_axis_spans_the_data_and_counts_are_whole(tmp_path, monkeypatch):
    from f5flow import dataset, report

    # 2-4 s clips: the axis is the data's span (not 0-30 s), min_duration 1 s near it is shown
    assert report.duration_axis([2.0, 3.1, 4.0], (1.0, 30.0)) == (0.75, 4.25)
    lo, hi = report.duration_axis([12.0, 20.0, 29.5], (1.0, 30.0))
    assert 11 < lo < 12 and hi >= 30.0  # max_duration near the data: shown
    quality = tmp_path / "quality.tsv"
    with open(quality, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter="\t")
        writer.writerow(dataset.QUALITY_HEADER)
        for i, seconds in enumerate([2.2, 2.9, 3.4]):
            row = dict.fromkeys(dataset.QUALITY_HEADER, "")
            row.update(file=f"c{i}.wav", clip=f"c{i}", duration=str(seconds), outcome="kept")
            writer.writerow(row.values())
    import matplotlib.pyplot as plt

    drawn = []  # the count axis' tick labels, read where the figure is saved
    monkeypatch.setattr(report, "_save", lambda plt_, fig, path: drawn.append(
        [t.get_text() for t in fig.axes[0].get_yticklabels()]))  # fmt: skip
    assert report.plot_durations(str(quality), 1.0, 30.0, str(tmp_path / "d.png")) == pytest.approx((1.95, 3.65))
    plt.close("all")
    assert drawn and all(re.fullmatch(r"\d+", t.replace("\u2212", "-")) for t in drawn[0] if t), drawn


def test_trimmed_edges_are_counted_on_the_dataset_page(tmp_path):
    from f5flow import dataset, report

    (tmp_path / "metadata.csv").write_text("audio_file|text\nwavs/a.wav|một hai ba\nwavs/b.wav|bốn năm sáu\n")
    (tmp_path / "rejected.tsv").write_text("file\treason\tdetail\nc.wav\tno_speech\tno speech\n")
    with open(tmp_path / "quality.tsv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter="\t")
        writer.writerow(dataset.QUALITY_HEADER)
        for name, trimmed, outcome in [("a", "2.80+2.75", "kept"), ("b", "", "kept"), ("c", "", "dropped")]:
            row = dict.fromkeys(dataset.QUALITY_HEADER, "")
            row.update(file=f"{name}.wav", clip=name, duration="3.0", trimmed=trimmed, outcome=outcome)
            writer.writerow(row.values())
    numbers = report.dataset_numbers(*(str(tmp_path / n) for n in ("metadata.csv", "rejected.tsv", "quality.tsv")))
    assert (numbers["trimmed"], numbers["seconds_trimmed"]) == (1, 5.55)
    assert "data-key='trimmed'>1 (5.5 s cut)</td>" in report.dataset_page(numbers, "pairs", "no split")
