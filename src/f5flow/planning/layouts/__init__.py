"""The dataset layouts f5flow reads, one reader each behind one interface, and their detection.

A reader is a module (or functions) with `detect(folder) -> bool` and `read(folder, options) ->
Found` (rows.py): every entry it decided (a fate for every listed file), how it read them. The pairs layouts
(a transcript file beside each recording) have no `read`: planning makes their entries per job
unit in forked processes (jobunits), from `PairsNaming`. The layout is decided when the workflow
is parsed (dry runs too), before anything is decoded; `input_layout` forces one. A folder of no
known layout stops with what was found and the list below.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import Callable, NamedTuple

from ... import hub
from .. import listing
from ...records import Entry, no_cycle_collection
from . import commonvoice, huggingface, kaldi, manifest, table
from .rows import Folder, Found, InputDirError, first_line, is_audio


class Layout(NamedTuple):
    name: str
    example: str
    detect: Callable[[Folder], bool]
    read: Callable[[Folder, dict], Found] | None  # None: a pairs layout (planning reads it)


def pairs_variant(folder: Folder) -> str | None:
    """Which pairs layout a folder is, by its transcripts: the kind most of them are (a stray
    .lab among .txt pairs does not make an MFA corpus), or None when it has none."""
    if folder.target is not None:
        return None
    if "pairs_variant" not in folder.memo:
        # counted in one joined string (C-level passes: two million names at a million clips)
        joined = folder.joined.lower()
        txt, lab = joined.count(".txt\n"), joined.count(".lab\n")
        normalized, original = joined.count(".normalized.txt\n"), joined.count(".original.txt\n")
        if normalized and normalized + original >= txt - normalized - original:
            found = "libritts"
        elif lab and lab >= txt:
            found = "mfa"
        else:
            found = "pairs" if txt else None
        folder.memo["pairs_variant"] = found
    return folder.memo["pairs_variant"]


def _is_variant(name: str):
    return lambda folder: pairs_variant(folder) == name


# In detection order: the layouts a file of their own names first, the pairs layouts last.
LAYOUTS = (
    Layout(kaldi.NAME, kaldi.EXAMPLE, kaldi.detect, kaldi.read),
    Layout("save_to_disk", huggingface.ARROW_EXAMPLE, huggingface.detect_arrow, huggingface.read_arrow),
    Layout("parquet", huggingface.PARQUET_EXAMPLE, huggingface.detect_parquet, huggingface.read_parquet),
    Layout(commonvoice.NAME, commonvoice.EXAMPLE, commonvoice.detect, commonvoice.read),
    Layout("audiofolder", huggingface.AUDIOFOLDER_EXAMPLE, huggingface.detect_audiofolder,
           huggingface.read_audiofolder),  # fmt: skip
    Layout(table.NAME, table.EXAMPLE, table.detect, table.read),
    Layout(manifest.NAME, manifest.EXAMPLE, manifest.detect, manifest.read),
    Layout("libritts", "spk/chapter/19_198_000000_000000.wav + .normalized.txt (+ .original.txt): LibriTTS",
           _is_variant("libritts"), None),  # fmt: skip
    Layout("mfa", "utt1.wav + utt1.lab beside it, in any folder: Montreal Forced Aligner corpus",
           _is_variant("mfa"), None),  # fmt: skip
    Layout("pairs", "utt1.wav + utt1.txt beside it, in any folder (spk1/utt1.wav: speaker spk1)",
           _is_variant("pairs"), None),  # fmt: skip
)
BY_NAME = {layout.name: layout for layout in LAYOUTS}
NAMES = ("auto", *BY_NAME)


def naming(layout: str, options: dict) -> listing.PairsNaming:
    """The pairs naming of a pairs layout."""
    if layout == "libritts":
        text = options.get("text_column", "auto")
        if text not in ("auto", "normalized", "original"):
            raise InputDirError("config key input_text_column: LibriTTS has normalized or original")
        return listing.libritts("original" if text == "original" else "normalized")
    return listing.MFA if layout == "mfa" else listing.PAIRS


def accepted() -> str:
    """The accepted layouts, one example each (for the messages that stop a run)."""
    return "\n".join(f"  {layout.name:<13} {layout.example}" for layout in LAYOUTS)


def no_layout(where: str, found: str) -> InputDirError:
    return InputDirError(
        f"config key input_dir: {where} matches no layout f5flow reads ({found}). Accepted "
        f"layouts (input_layout forces one):\n{accepted()}"
    )


def _found_summary(files: list[str]) -> str:
    if not files:
        return "no files"
    suffixes = Counter(os.path.splitext(rel)[1].lower() or os.path.basename(rel) for rel in files)
    shown = ", ".join(f"{n} {s}" for s, n in suffixes.most_common(5))
    return f"found {len(files)} files: {shown}{', ...' if len(suffixes) > 5 else ''}"


def _table_hint(folder: Folder) -> str:
    """Why a metadata.csv that is there was not read (its delimiter or header fit no layout)."""
    name = folder.target or table.TABLE_FILE
    if os.path.basename(name) != table.TABLE_FILE or not folder.has(name):
        return ""
    first = first_line(folder.path(name)).strip()
    return (
        f"; {name}'s first line {first[:60]!r} is neither '|'-separated (LJSpeech, F5-TTS) nor a "
        "comma-separated header with file_name (Hugging Face audiofolder)"
    )


@dataclass
class Listing:
    """What the input holds, and how it is read (discovery's first step)."""

    root: str
    layout: str  # the layout's name, found or configured
    how: str  # how it is read, for the console and the log
    files: list[str]  # every listed file below root (relative), in listing order
    problems: list[Entry]  # what cannot be an input, decided by its name or type
    entries: list[Entry] | None  # a row layout's every entry; pairs layouts: None
    naming: listing.PairsNaming | None = None  # a pairs layout's
    recordings: int = 0  # what the reader found (pairs: counted by planning)
    transcripts: int = 0


def resolve(input_dir: str, fetch_missing: bool = False) -> tuple[str, str | None]:
    """(root folder, the file input_dir names or None): input_dir may be a layout's file, or a
    Hugging Face dataset (hf://datasets/OWNER/NAME[@REVISION]) in the Hugging Face cache."""
    if hub.is_hub_dataset(input_dir):
        input_dir = hub.dataset_folder(input_dir, fetch_missing)
    if os.path.isdir(input_dir):
        return os.path.abspath(input_dir), None
    if os.path.isfile(input_dir):
        return os.path.dirname(os.path.abspath(input_dir)), os.path.basename(input_dir)
    raise InputDirError(f"config key input_dir: {input_dir} does not exist")


def read_folder(input_dir: str, layout: str = "auto", options: dict | None = None) -> Listing:
    """List the input and decide its layout; in a row layout, read the rows (no audio opened).
    options: text_column, split, fetch (whether an hf:// dataset may be downloaded), and
    transcribe (recordings without a transcript are to be transcribed: a folder of recordings
    alone is the pairs layout)."""
    with no_cycle_collection():
        return _read_folder(input_dir, layout, options or {})


def _read_folder(input_dir: str, layout: str, options: dict) -> Listing:
    if layout not in NAMES:
        raise InputDirError(f"config key input_layout: one of {', '.join(NAMES)}")
    root, target = resolve(input_dir, options.get("fetch", False))
    files, problems = listing.list_files(root)
    if not files and not problems:
        raise InputDirError(f"config key input_dir: {input_dir} holds no files")
    folder = Folder(root, files, target)
    if layout == "auto":
        matched = [candidate for candidate in LAYOUTS if candidate.detect(folder)]
        rows = [m for m in matched if m.read is not None]
        if len(rows) > 1:
            raise InputDirError(
                f"config key input_layout: {input_dir} holds both a {rows[0].name} and a "
                f"{rows[1].name} layout: set input_layout to one of them"
            )
        if not matched and options.get("transcribe") and any(is_audio(f) for f in files):
            matched = [BY_NAME["pairs"]]  # recordings alone, to be transcribed (segmentation.untranscribed)
        if not matched:
            what = "a file of no known layout" if target else _found_summary(files)
            raise no_layout(input_dir, what + _table_hint(folder))
        chosen = matched[0]
    else:
        chosen = BY_NAME[layout]
        if target is not None and chosen.read is None:
            raise InputDirError(f"config key input_dir: the {layout} layout is a folder, not a file")
        if not chosen.detect(folder):
            raise InputDirError(
                f"config key input_layout is {layout}: {input_dir} does not hold one "
                f"({chosen.example}; {_found_summary(files)})"
            )
    if chosen.read is None:
        pairs = naming(chosen.name, options)
        how = f"each recording with the {pairs.label} of the same name beside it, in any folder"
        return Listing(root, chosen.name, f"{chosen.name}: {how}", files, problems, None, pairs)
    found = chosen.read(folder, options)
    if not found.recordings and not found.transcripts:
        raise no_layout(input_dir, f"a {chosen.name} layout with no rows")
    return Listing(root, chosen.name, f"{chosen.name}: {found.how}", files, problems, found.entries,
                   None, found.recordings, found.transcripts)  # fmt: skip
