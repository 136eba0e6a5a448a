"""The review page: every input with its text, its checks' values, its outcome and its audio.

One self-contained HTML page (the clips inline as Ogg Vorbis data URIs, about 6.5 KB a second) that
filters by outcome and by check and sorts by any column, offline in any browser; and the full
table (review.tsv) with every input and no audio. A page for a big dataset stays bounded: every
flagged and not-kept input (up to `max_rows`, else a sample of them) and a sample of the kept
clips (`kept_sample`), chosen by a hash of the name: the same clips every run, said on the page.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass

from .dataset import read_tsv, reason_codes, write_tsv
from .records import read_all_records, wav_file_name

# quality.tsv's measured values shown as columns of the page (header, quality.tsv column)
VALUES = (
    ("peak dBFS", "peak_dbfs"), ("RMS dBFS", "rms_dbfs"), ("clipped", "clipped_fraction"),
    ("DC", "dc_offset"), ("speech", "speech_fraction"), ("silence before", "leading_silence"),
    ("silence after", "trailing_silence"), ("trimmed", "trimmed"), ("voice similarity", "speaker_similarity"),
    ("markup", "markup"), ("transcribed, confidence", "transcript_confidence"),
)  # fmt: skip
TABLE_HEADER = ("file", "folder", "speaker", "clip", "duration", "text", "given", "chars_per_second",
                *(column for _, column in VALUES), "outcome", "reason")  # fmt: skip
SHOWN = ("flagged", "dropped", "rejected", "kept")  # the page's order; ignored files only in the table


@dataclass(frozen=True)
class Settings:
    """config key `review`."""

    kept_sample: int = 200
    max_rows: int = 2000


# A source stage 0 did not write (an input rejected before its audio was read, a recording too
# long to use) is played from its start, at most this long: the page stays bounded.
SOURCE_SECONDS = 30.0


@dataclass
class Item:
    row: dict  # quality.tsv's line
    text: str = ""  # as trained (canonical)
    given: str = ""  # as given, where it differs
    wav: str | None = None  # the clip stage 0 wrote (kept or not), where it measured one
    source: str | None = None  # the input recording itself (a file below input_dir)

    @property
    def checks(self) -> list[str]:
        return reason_codes(self.row["reason"])

    def fields(self) -> dict[str, str]:
        """The row of review.tsv, by TABLE_HEADER's names."""
        row = self.row
        return {"file": row["file"], "folder": os.path.dirname(row["file"]) or ".",
                "speaker": row.get("speaker", ""), "clip": row["clip"], "duration": row["duration"],
                "text": self.text, "given": self.given, "chars_per_second": row["chars_per_second"],
                **{column: row.get(column, "") for _, column in VALUES},
                "outcome": row["outcome"], "reason": row["reason"]}  # fmt: skip


def _rank(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()


def gather(quality: str, record_paths: Iterable[str], wav_dirs: Iterable[str], input_dir: str = "") -> list[Item]:
    """Every input of quality.tsv with its texts, the clip stage 0 wrote (unit by unit) and its
    recording (a file; not a dataset row). Only what the page and the table show is kept: a
    million records stay on disk."""
    found: dict[str, tuple] = {}
    for path, wav_dir in zip(record_paths, wav_dirs):
        for r in read_all_records([path]):
            wav = os.path.join(wav_dir, wav_file_name(r.name)) if r.duration is not None else None
            source = os.path.join(input_dir, r.audio) if r.audio and "#row=" not in r.audio else None
            found[r.audio or r.file] = (r.text or "", r.given or "", wav, source)
    return [Item(row, *found.get(row["file"], ())) for row in read_tsv(quality)]


def choose(items: list[Item], settings: Settings) -> tuple[list[Item], str]:
    """The page's rows (flagged and not kept first, then kept; by file within each) and the
    sentence that says which they are."""
    problems = [i for i in items if i.row["outcome"] in SHOWN[:3]]
    kept = [i for i in items if i.row["outcome"] == "kept"]
    by_hash = lambda found: sorted(found, key=lambda i: _rank(i.row["file"]))  # noqa: E731
    shown = by_hash(problems)[: settings.max_rows]
    room = max(min(settings.kept_sample, settings.max_rows - len(shown)), 0)
    sample = by_hash(kept)[:room]
    parts = [
        f"all {len(problems)} flagged and not-kept inputs" if len(shown) == len(problems) else
        f"{len(shown)} of the {len(problems)} flagged and not-kept inputs (review.max_rows)",
        f"all {len(kept)} kept clips" if len(sample) == len(kept) else
        f"{len(sample)} of the {len(kept)} kept clips (review.kept_sample, review.max_rows)",
    ]  # fmt: skip
    note = " and ".join(parts)
    if len(shown) + len(sample) < len(problems) + len(kept):
        note += ", chosen by a hash of the file name: the same every run"
    order = {o: k for k, o in enumerate(SHOWN)}
    rows = sorted(shown + sample, key=lambda i: (order[i.row["outcome"]], i.row["file"]))
    return rows, note


def ogg_uri(samples, rate: int) -> str:
    """Audio as an Ogg Vorbis data URI: a seventh of the WAV's size. (Opus is a quarter smaller
    again but libsndfile encodes it 10x slower: 0.09 s against 0.009 s a clip here.)"""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="OGG", subtype="VORBIS")
    return "data:audio/ogg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def player(item: Item) -> tuple[str, str]:
    """(the data URI, "") of what the row plays, or ("", why there is none)."""
    import soundfile

    from . import audio
    from .records import parse_audio_ref

    if item.wav and os.path.isfile(item.wav):  # (a clip too long to use was measured, not written)
        return ogg_uri(*soundfile.read(item.wav, dtype="float32")), ""
    if not item.source:
        return "", "no recording"
    path, _, span = parse_audio_ref(item.source)
    try:
        decoded = audio.load(path, span)
        if decoded.samples is None:  # too long to decode whole: its start
            decoded = audio.load(path, (0.0, SOURCE_SECONDS))
    except audio.AudioError as err:
        return "", f"does not decode ({err.reason})"
    mono = decoded.samples.mean(axis=1)[: int(SOURCE_SECONDS * decoded.sample_rate)]
    return ogg_uri(mono, decoded.sample_rate), ""


def page_rows(shown: list[Item]) -> list[dict]:
    rows = []
    for item in shown:
        fields = item.fields()
        audio, no_audio = player(item)
        rows.append({**fields, "values": [fields[column] for _, column in VALUES], "checks": " ".join(item.checks),
                     "audio": audio, "no_audio": no_audio})  # fmt: skip
    return rows


def render(shown: list[Item], note: str, title: str, counts: dict[str, int]) -> str:
    from .report import render as render_page

    checks = sorted({c for item in shown for c in item.checks})
    return render_page(
        "review.html.j2", title=title, note=note, rows=page_rows(shown), values=[h for h, _ in VALUES],
        checks=checks, outcomes=[o for o in SHOWN if counts.get(o)], counts=counts,
    )  # fmt: skip


def write_table(path: str, items: list[Item]) -> None:
    write_tsv(path, TABLE_HEADER, (tuple(map(item.fields().__getitem__, TABLE_HEADER)) for item in items))


def build(quality: str, record_paths: list[str], wav_dirs: list[str], page: str, table: str,
          settings: Settings, title: str, input_dir: str = "") -> int:  # fmt: skip
    """Write the page and the table; the number of inputs on the page."""
    items = gather(quality, record_paths, wav_dirs, input_dir)
    shown, note = choose(items, settings)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.row["outcome"]] = counts.get(item.row["outcome"], 0) + 1
    with open(page, "w", encoding="utf-8") as f:
        f.write(render(shown, note, title, counts))
    write_table(table, items)
    return len(shown)
