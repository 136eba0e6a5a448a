"""Outputs that appear whole or not at all.

A job stopped while it writes (Ctrl-C, a time limit, kill -9) would otherwise leave a
half-written sample, figure or page where the next look (a person, the report, `f5flow
synthesize`) takes it for a finished one. The file is written beside its final name and renamed
into place (a rename within a folder is atomic); the temporary name keeps the extension, so
writers that choose the format by it (soundfile, matplotlib) still do.
"""

from __future__ import annotations

import contextlib
import os


@contextlib.contextmanager
def written(path: str):
    """Yield the name to write to; on success it becomes `path`, on failure it is removed."""
    folder, name = os.path.split(path)
    partial = os.path.join(folder, f".partial.{os.getpid()}.{name}")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
