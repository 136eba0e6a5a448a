"""Stage 4 at 100k rows against upstream's prepare_csv_wavs (--pretrain --workers <cores>)."""

from __future__ import annotations

import os
import sys

import soundfile

from common import CACHE, CORES, fresh, timed

from f5flow.records import ClipRecord

N = 100_000


def prepare() -> object:
    """100k metadata rows over hard links of 50 short wavs (both tools only read headers;
    a file system allows some 65k links per file)."""
    folder = CACHE / f"features_{N}_v2"  # v2: typed records
    if (folder / ".complete").exists():
        write_upstream_table(folder)  # its absolute paths: where the cache is now
        return folder
    data = fresh(folder / "data")
    (data / "wavs").mkdir()
    sources = []
    for k in range(50):
        frames = 24000 + 2400 * k
        sources.append((folder / f"source_{k}.wav", frames / 24000))  # as soundfile computes it
        soundfile.write(str(sources[-1][0]), [0.0] * frames, 24000, subtype="PCM_16")
    with open(data / "metadata.csv", "w", encoding="utf-8") as ours, \
         open(folder / "records.jsonl", "w", encoding="utf-8") as records:
        ours.write("audio_file|text\n")
        for i in range(N):
            name = f"utt_{i:06d}"
            source, seconds = sources[i % len(sources)]
            os.link(source, data / "wavs" / f"{name}.wav")
            text = f"câu số {i} của tiếng việt"
            ours.write(f"wavs/{name}.wav|{text}\n")
            records.write(ClipRecord(name=name, file=f"{name}.wav", duration=seconds).to_json() + "\n")
    vocab = sorted(set("".join(f"câu số {i} của tiếng việt" for i in range(10))))
    (data / "vocab.txt").write_text("".join(c + "\n" for c in vocab), encoding="utf-8")
    write_upstream_table(folder)
    (folder / ".complete").touch()
    return folder


def write_upstream_table(folder) -> None:
    """Upstream's table: the same rows with absolute audio paths (as prepare_csv_wavs wants)."""
    wavs = folder / "data" / "wavs"  # as trainset writes them: the same paths to compare
    with open(folder / "data" / "metadata.csv", encoding="utf-8") as ours, \
         open(folder / "metadata_abs.csv", "w", encoding="utf-8") as upstream:
        upstream.write(next(ours))
        upstream.writelines(f"{wavs}/{line[len('wavs/'):]}" for line in ours)


OURS = """
import sys
from f5flow import records, trainset
folder = sys.argv[1]
trainset.build(f"{folder}/data/metadata.csv", records.read_durations([f"{folder}/records.jsonl"]),
               f"{folder}/data/vocab.txt", f"{folder}/out_ours/raw.arrow", f"{folder}/out_ours/duration.json")
"""


def run() -> list[dict]:
    folder = prepare()
    fresh(folder / "out_ours")
    ours, _ = timed([sys.executable, "-c", OURS, str(folder)])
    upstream, _ = timed([sys.executable, "-m", "f5_tts.train.datasets.prepare_csv_wavs",
                         str(folder / "metadata_abs.csv"), str(fresh(folder / "out_upstream")),
                         "--pretrain", "--workers", str(CORES)])
    from datasets import Dataset

    a = Dataset.from_file(str(folder / "out_ours" / "raw.arrow"))
    b = Dataset.from_file(str(folder / "out_upstream" / "raw.arrow"))
    same = a["audio_path"] == b["audio_path"] and a["duration"] == b["duration"] and len(a) == N
    return [{"measure": f"features, {N // 1000}k rows (s)", "value": f"{ours:.1f}",
             "baseline": f"prepare_csv_wavs --pretrain --workers {CORES}: {upstream:.1f}",
             "ratio": ours / upstream, "goal": "<= 0.5 (2x faster), same rows",
             "ok": ours / upstream <= 0.5 and same, "note": f"same paths and durations: {same}"}]


if __name__ == "__main__":
    for row in run():
        print(row)
