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
        raise HubError(f"cannot fetch {spec} ({type(err).__name__}): {fetch_advice(spec)}") from None


def fetch_advice(spec: str) -> str:
    repo_id, filename = parse(spec)
    return (
        f"fetch it where there is network with `hf download {repo_id} {filename}` into the Hugging "
        "Face cache this run uses (HF_HOME), or set pretrained_checkpoint to a local file"
    )


def cached(spec: str) -> str | None:
    """The local path of an hf:// file already in the Hugging Face cache, else None (no network)."""
    from huggingface_hub import try_to_load_from_cache

    repo_id, filename = parse(spec)
    found = try_to_load_from_cache(repo_id=repo_id, filename=filename)
    return found if isinstance(found, str) else None


def check_reachable(spec: str, timeout: float = 5) -> None:
    """An hf:// file not in the cache must be fetchable: the hub answers for it (one HEAD request)."""
    from huggingface_hub import constants, get_hf_file_metadata, hf_hub_url

    repo_id, filename = parse(spec)
    if constants.HF_HUB_OFFLINE:
        raise HubError(
            f"pretrained_checkpoint {spec} is not in the Hugging Face cache ({constants.HF_HUB_CACHE}) "
            f"and HF_HUB_OFFLINE is set: {fetch_advice(spec)}"
        )
    try:
        get_hf_file_metadata(hf_hub_url(repo_id, filename), timeout=timeout)
    except Exception as err:  # noqa: BLE001 - any failure to reach it means the same to the user
        raise HubError(
            f"pretrained_checkpoint {spec} is not in the Hugging Face cache ({constants.HF_HUB_CACHE}) "
            f"and the hub cannot be reached ({type(err).__name__}): {fetch_advice(spec)}"
        ) from None
