"""Pretrained files named `hf://OWNER/REPO/path/in/repo`, fetched through the Hugging Face cache."""

from __future__ import annotations

import os

from .errors import F5flowError

HF_SCHEME = "hf://"


class HubError(F5flowError):
    pass


def is_hub(spec: str) -> bool:
    return spec.startswith(HF_SCHEME)


def parse(spec: str) -> tuple[str, str]:
    parts = spec[len(HF_SCHEME) :].split("/", 2)
    if len(parts) != 3 or not all(parts):
        raise HubError(f"{spec!r}: expected hf://OWNER/REPO/path/to/file")
    return f"{parts[0]}/{parts[1]}", parts[2]


def fetch(spec: str) -> str:
    """A local path for `spec`: a file path as it is, an hf:// name via the Hugging Face cache."""
    if not is_hub(spec):
        return os.path.abspath(spec)
    repo_id, filename = parse(spec)
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        return hf_hub_download(repo_id=repo_id, filename=filename)
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as err:
        raise HubError(
            f"cannot fetch {spec} ({type(err).__name__}). Without network access, download it "
            f"elsewhere with `hf download {repo_id} {filename}` into the Hugging Face cache "
            "(HF_HOME), or set pretrained_checkpoint to a local file"
        ) from None
