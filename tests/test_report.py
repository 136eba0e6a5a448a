"""`snakemake --report` of the demo run: every figure a real, non-trivial image, the summary's
numbers those of metadata.csv and rejected.tsv, the samples playable."""

from __future__ import annotations

import base64
import csv
import html
import io
import re
import zipfile
from collections import Counter

import numpy as np
import pytest
import soundfile
from PIL import Image

from conftest import copy_of_demo_run, snakemake
from f5flow.dataset import read_metadata, read_tsv

pytestmark = pytest.mark.workflow

FIGURES = ("durations.png", "speaking_rate.png", "quality_checks.png", "vocab_coverage.png", "training_curves.png")
PAGES = ("dataset.html", "review.html", "review.tsv", "checkpoints.html", "provenance.html", "samples.html")


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
    assert "xin &lt;b&gt;chào&lt;/b&gt; &amp; &#39;bạn&#39;" in page and "&lt;x&gt;" in page
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


def _review_files(page: str) -> list[str]:
    """The file column of each row of the review page."""
    return [html.unescape(f) for f in re.findall(r'<tr [^>]*data-file="([^"]*)"', page)]


def test_the_review_page_lists_every_input_of_the_demo(report):
    files, project = report
    quality = [row for row in read_tsv(project / "data" / "demo" / "quality.tsv")]
    inputs = sorted(row["file"] for row in quality if row["outcome"] != "ignored")
    page = files["review.html"].decode("utf-8")
    assert sorted(_review_files(page)) == inputs and len(inputs) == 25
    assert "all 4 flagged and not-kept inputs and all 21 kept clips" in page
    table = list(csv.DictReader(io.StringIO(files["review.tsv"].decode("utf-8")), delimiter="\t"))
    assert [row["file"] for row in table] == [row["file"] for row in quality]
    kept = dict(read_metadata(project / "data" / "demo" / "metadata.csv"))
    assert {f"wavs/{row['clip']}.wav": row["text"] for row in table if row["clip"]} == kept
    # every input has its player: the demo's recordings all decode (a clip stage 0 wrote, or the
    # recording itself where it wrote none: the one without a transcript)
    assert len(re.findall(r"<audio controls", page)) == 25
    assert sum(1 for row in quality if row["peak_dbfs"]) == 24


def _chromium():
    import shutil

    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("needs Chromium and its driver: apt-get install chromium chromium-driver (make test does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(driver), options=options)


def test_the_review_page_filters_sorts_and_plays_in_chromium(report, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    files, project = report
    page = tmp_path / "review.html"  # as the report's zip holds it: on its own, offline
    page.write_bytes(files["review.html"])
    outcomes = Counter(row["outcome"] for row in read_tsv(project / "data" / "demo" / "quality.tsv"))
    browser = _chromium()
    try:
        browser.get(page.as_uri())
        rows = browser.find_elements(By.CSS_SELECTOR, "#inputs tbody tr")
        visible = lambda: [r for r in rows if r.is_displayed()]  # noqa: E731
        assert len(visible()) == len(rows) == 25
        browser.find_element(By.CSS_SELECTOR, "input.outcome[value='kept']").click()
        assert len(visible()) == 25 - outcomes["kept"] == outcomes["rejected"] + outcomes["flagged"]
        assert all(r.get_attribute("data-outcome") != "kept" for r in visible())
        browser.find_element(By.CSS_SELECTOR, "input.outcome[value='kept']").click()
        check = Select(browser.find_element(By.ID, "check"))
        name = check.options[1].get_attribute("value")  # the first check any row has
        check.select_by_value(name)
        chosen = visible()
        assert 0 < len(chosen) < 25 and all(name in r.get_attribute("data-checks").split() for r in chosen)
        check.select_by_value("")
        # sorting by seconds: the rows in order of their duration, then reversed
        header = browser.find_elements(By.CSS_SELECTOR, "#inputs th")[4]
        assert header.text == "seconds"
        for expected in (sorted, lambda v: sorted(v, reverse=True)):
            header.click()
            # an empty cell sorts first going up, as the page sorts it
            shown = [float(r.find_elements(By.TAG_NAME, "td")[4].text or "-inf") for r in
                     browser.find_elements(By.CSS_SELECTOR, "#inputs tbody tr")]  # fmt: skip
            assert shown == expected(shown) and len(shown) == 25
        # a player's source decodes in the browser, to the length the row says
        first = browser.find_element(By.CSS_SELECTOR, "#inputs tbody tr")
        seconds = float(first.find_elements(By.TAG_NAME, "td")[4].text)
        decoded = browser.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "var src = arguments[0].querySelector('audio').src;"
            "fetch(src).then(r => r.arrayBuffer())"
            ".then(b => new OfflineAudioContext(1, 1, 24000).decodeAudioData(b))"
            ".then(buf => done([buf.duration, buf.sampleRate]), e => done(String(e)));",
            first,
        )
        assert isinstance(decoded, list), decoded
        assert decoded[0] == pytest.approx(seconds, abs=0.05) and decoded[1] == 24000
    finally:
        browser.quit()


def test_the_review_page_escapes_what_it_shows_and_stays_bounded(tmp_path):
    from f5flow import review

    rows = []
    for i in range(30):
        outcome = "flagged" if i < 6 else "kept"
        rows.append({"file": f"<b>{i:02d}</b>.wav", "clip": f"c{i}", "speaker": "", "duration": "2.000",
                     "chars_per_second": "12.00", "outcome": outcome,
                     "reason": "markup: tag: <script>" if i < 6 else ""})  # fmt: skip
    items = [review.Item(row) for row in rows]
    shown, note = review.choose(items, review.Settings(kept_sample=5, max_rows=8))
    assert len(shown) == 8 and sum(i.row["outcome"] == "flagged" for i in shown) == 6
    assert note.startswith("all 6 flagged and not-kept inputs and 2 of the 24 kept clips")
    again, _ = review.choose(list(reversed(items)), review.Settings(kept_sample=5, max_rows=8))
    assert [i.row["file"] for i in again] == [i.row["file"] for i in shown]  # the same sample
    shown, note = review.choose(items, review.Settings(kept_sample=5, max_rows=4))
    assert len(shown) == 4 and note.startswith("4 of the 6 flagged and not-kept inputs")
    page = review.render(shown, note, "Review <x>", {"flagged": 6, "kept": 24})
    assert not re.search(r"<b>\d\d</b>", page) and "<script>" not in page.split("<script>\n(function")[0]
    assert len(re.findall(r"&lt;b&gt;\d\d&lt;/b&gt;.wav", page)) == 2 * 4  # the cell and data-file and "tag: &lt;script&gt;" in page and "Review &lt;x&gt;" in page


def test_a_recording_stage_0_did_not_write_plays_from_its_start(tmp_path):
    from f5flow import review

    soundfile.write(str(tmp_path / "long.wav"), 0.1 * np.sin(np.arange(61 * 8000) / 3), 8000)
    (tmp_path / "garbage.wav").write_bytes(b"RIFF....WAVEfmt not audio")
    row = {"file": "", "outcome": "rejected", "reason": ""}

    def played(name):
        return review.player(review.Item({**row, "file": name}, source=str(tmp_path / name)))

    uri, why = played("long.wav")
    wave, rate = soundfile.read(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert why == "" and rate == 8000 and len(wave) / rate == pytest.approx(review.SOURCE_SECONDS, abs=0.1)
    assert played("garbage.wav") == ("", "does not decode (unreadable_audio)")
    assert review.player(review.Item(row)) == ("", "no recording")
    # a clip stage 0 measured but did not write (too long to use): the recording plays
    assert review.player(review.Item(row, wav=str(tmp_path / "none.wav"), source=str(tmp_path / "long.wav")))[0]
