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


def unreachable(spec: str, timeout: float = 5) -> str | None:
    """Why an hf:// file cannot be fetched now ("HF_HUB_OFFLINE is set", "the hub cannot be
    reached (...)"), or None when the hub answers for it: one HEAD request, no retries, so an
    offline machine knows in one timeout at most, not after huggingface_hub's retries."""
    from huggingface_hub import constants, get_hf_file_metadata, hf_hub_url

    if constants.HF_HUB_OFFLINE:
        return "HF_HUB_OFFLINE is set"
    repo_id, filename = parse(spec)
    try:
        get_hf_file_metadata(hf_hub_url(repo_id, filename), timeout=timeout)
    except Exception as err:  # noqa: BLE001 - any failure to reach it means the same to the user
        return f"the hub cannot be reached ({type(err).__name__})"
    return None


def check_reachable(spec: str, timeout: float = 5) -> None:
    """An hf:// file not in the cache must be fetchable: the hub answers for it."""
    from huggingface_hub import constants

    why = unreachable(spec, timeout)
    if why:
        raise HubError(
            f"pretrained_checkpoint {spec} is not in the Hugging Face cache ({constants.HF_HUB_CACHE}) "
            f"and {why}: {fetch_advice(spec)}"
        )


# input_dir: hf://datasets/OWNER/NAME[@REVISION][/path/in/repo]
DATASET_SCHEME = HF_SCHEME + "datasets/"
# What the layout readers read (tables, manifests, dataset files, audio): fetched; archives and
# the rest of a repository are not.
DATASET_PATTERNS = ["*.parquet", "*.arrow", "*.json", "*.jsonl", "*.csv", "*.tsv", "*.txt", "*.lab",
                    "*.scp", "*/text", "text", "*/utt2spk", "utt2spk", "*/segments", "segments",
                    "*.wav", "*.flac", "*.mp3", "*.ogg", "*.oga", "*.opus", "*.m4a", "*.aac"]  # fmt: skip


def is_hub_dataset(spec: str) -> bool:
    return spec.startswith(DATASET_SCHEME)


def parse_dataset(spec: str) -> tuple[str, str | None, str]:
    """(repo id, revision or None, path inside the repository) of an hf://datasets/ name."""
    rest = spec[len(DATASET_SCHEME) :]
    parts = rest.split("/", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise HubError(f"config key input_dir: {spec!r}: expected hf://datasets/OWNER/NAME[@REVISION]")
    name, _, revision = parts[1].partition("@")
    return f"{parts[0]}/{name}", revision or None, parts[2] if len(parts) == 3 else ""


def dataset_advice(repo_id: str, revision: str | None) -> str:
    at = f" --revision {revision}" if revision else ""
    return (
        f"fetch it where there is network with `hf download --repo-type dataset {repo_id}{at}` "
        "into the Hugging Face cache this run uses (HF_HOME), or give input_dir as a local folder"
    )


def dataset_folder(spec: str, fetch_missing: bool) -> str:
    """The local folder of an hf://datasets/ name: its snapshot in the Hugging Face cache,
    fetched (DATASET_PATTERNS only) when missing, online and `fetch_missing` (not a dry run)."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    repo_id, revision, inside = parse_dataset(spec)
    try:
        folder = snapshot_download(repo_id, repo_type="dataset", revision=revision, local_files_only=True)
    except LocalEntryNotFoundError:
        if constants.HF_HUB_OFFLINE or not fetch_missing:
            why = "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else "a dry run fetches nothing"
            raise HubError(
                f"config key input_dir: {spec} is not in the Hugging Face cache "
                f"({constants.HF_HUB_CACHE}) and {why}: {dataset_advice(repo_id, revision)}"
            ) from None
        try:
            folder = snapshot_download(repo_id, repo_type="dataset", revision=revision,
                                       allow_patterns=DATASET_PATTERNS)  # fmt: skip
        except (HfHubHTTPError, LocalEntryNotFoundError, OSError) as err:
            raise HubError(
                f"config key input_dir: cannot fetch {spec} ({type(err).__name__}): "
                f"{dataset_advice(repo_id, revision)}"
            ) from None
    path = os.path.join(folder, inside)
    if not os.path.exists(path):
        raise HubError(f"config key input_dir: {spec}: the dataset has no {inside} ({folder})")
    return path


# A model repository's files a transformers model needs (not the other frameworks' weights).
MODEL_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken"]


def _model_repo(spec: str, key: str) -> str | None:
    """The repo id of an hf://OWNER/NAME model, or None for a local folder (which must exist)."""
    if not is_hub(spec):
        if not os.path.isdir(spec):
            raise HubError(f"config key {key}: {spec!r} is neither hf://OWNER/NAME nor a folder")
        return None
    repo_id = spec[len(HF_SCHEME):].strip("/")
    if repo_id.count("/") != 1:
        raise HubError(f"config key {key}: {spec!r}: expected hf://OWNER/NAME")
    return repo_id


def _model_advice(repo_id: str, key: str) -> str:
    return (f"fetch it where there is network with `hf download {repo_id}` into the Hugging Face "
            f"cache this run uses (HF_HOME), or set {key} to a local folder")  # fmt: skip


def _cached_model(repo_id: str) -> str | None:
    """The model's snapshot folder in the Hugging Face cache, or None."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return snapshot_download(repo_id, local_files_only=True)
    except LocalEntryNotFoundError:
        return None


def check_model(spec: str, key: str, timeout: float = 5) -> None:
    """A model model_folder will need (at start-up, dry runs too): a folder that exists, or an
    hf://OWNER/NAME that is in the cache or that the hub answers for now."""
    from huggingface_hub import constants

    repo_id = _model_repo(spec, key)
    if repo_id is None or _cached_model(repo_id):
        return
    why = unreachable(f"{spec}/config.json", timeout)
    if why:
        raise HubError(f"config key {key}: {spec} is not in the Hugging Face cache ({constants.HF_HUB_CACHE}) "
                       f"and {why}: {_model_advice(repo_id, key)}")  # fmt: skip


def model_folder(spec: str, key: str) -> str:
    """The local folder of a model named `hf://OWNER/NAME` (or a local folder as it is): its
    snapshot in the Hugging Face cache, fetched (MODEL_PATTERNS only) when missing and online.
    `key`: the config key that names it, for the message."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    repo_id = _model_repo(spec, key)
    if repo_id is None:
        return os.path.abspath(spec)
    found = _cached_model(repo_id)
    if found:
        return found
    if constants.HF_HUB_OFFLINE:
        raise HubError(f"config key {key}: {spec} is not in the Hugging Face cache "
                       f"({constants.HF_HUB_CACHE}) and HF_HUB_OFFLINE is set: {_model_advice(repo_id, key)}")  # fmt: skip
    try:
        return snapshot_download(repo_id, allow_patterns=MODEL_PATTERNS)
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError) as err:
        raise HubError(f"config key {key}: cannot fetch {spec} ({type(err).__name__}): "
                       f"{_model_advice(repo_id, key)}") from None
