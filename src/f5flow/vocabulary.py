"""The pretrained F5-TTS vocab and its extension with a dataset's characters.

Upstream reads vocab.txt line by line, dropping each line's last character as its newline, so the
file we write is LF with a trailing newline; line order is token id, so pretrained lines keep their
order and new characters only ever go at the end (new text-embedding rows are appended likewise).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
from dataclasses import dataclass

from .errors import F5flowError

PKG_SCHEME = "pkg://"


class VocabError(F5flowError):
    pass


def resolve(spec: str) -> str:
    """A vocab location as a local path: `pkg://PACKAGE/path/in/package` or a file path."""
    if not spec.startswith(PKG_SCHEME):
        return os.path.abspath(spec)
    package, _, inner = spec[len(PKG_SCHEME) :].partition("/")
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError:
        raise VocabError(
            f"config key pretrained_vocab: {spec!r} needs the Python package {package!r}, "
            "which is not installed (run `make run`, or point pretrained_vocab at a file)"
        ) from None
    return str(root.joinpath(inner))


def fingerprint(spec: str) -> str:
    """sha256 of the vocab `spec` names: what a re-run compares, wherever the file lives."""
    path = resolve(spec)
    read_lines(path)  # a clear VocabError for a missing or undecodable file
    return sha256(path)


def read_lines(path: str) -> list[str]:
    """Vocab lines without their line ends (LF or CRLF); a line of one space stays ' '."""
    try:
        with open(path, encoding="utf-8", newline=None) as f:
            content = f.read()
    except FileNotFoundError:
        raise VocabError(f"vocab file {path} does not exist") from None
    except UnicodeDecodeError as err:
        raise VocabError(f"vocab file {path} is not UTF-8 (byte {err.start})") from None
    if content.startswith("\ufeff"):
        content = content[1:]
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def write_lines(path: str, lines: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(line + "\n" for line in lines))


@dataclass(frozen=True)
class Extension:
    pretrained: list[str]
    missing: list[str]

    @property
    def lines(self) -> list[str]:
        return self.pretrained + self.missing


def extend(pretrained: list[str], characters: list[str]) -> Extension:
    """Pretrained lines in order, then the characters it lacks, sorted by code point."""
    if len(set(pretrained)) != len(pretrained):
        seen: set[str] = set()
        dup = next(line for line in pretrained if line in seen or seen.add(line))
        raise VocabError(f"pretrained vocab has line {dup!r} twice: token ids would be ambiguous")
    known = set(pretrained)
    return Extension(list(pretrained), sorted(set(characters) - known))


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_prefix(pretrained: list[str], lines: list[str], pretrained_path: str, vocab_path: str):
    """vocab.txt must start with the pretrained lines: token ids are line numbers."""
    if lines[: len(pretrained)] != pretrained:
        raise VocabError(
            f"{vocab_path} does not start with the lines of {pretrained_path}: re-run the vocab "
            "stage (`snakemake vocab`)"
        )


def extension_summary(
    extension: Extension, characters: list[str], source: str, pretrained_path: str, vocab_path: str
) -> dict:
    """vocab_extension.json: which characters were appended, and the hashes of both vocabs."""
    return {
        "pretrained_vocab": source,
        "pretrained_sha256": sha256(pretrained_path),
        "pretrained_lines": len(extension.pretrained),
        "dataset_characters": len(characters),
        "missing_count": len(extension.missing),
        "missing": extension.missing,
        "vocab_lines": len(extension.lines),
        "vocab_sha256": sha256(vocab_path),
    }


def describe(extension: Extension, characters: list[str]) -> str:
    return (
        f"{len(extension.missing)} of {len(characters)} dataset characters missing from the "
        f"pretrained vocab ({len(extension.pretrained)} lines), appended: "
        f"{''.join(extension.missing)!r}"
    )
