"""Which run a fine-tune job trains, when the data or the settings changed since the last one.

A *run* is one planned schedule: its epochs, its warm-up and decay, its update counter from 0.
- An interrupted run (Ctrl-C, SIGTERM, a time limit, a crash) with the same data and settings
  resumes where it stopped, with its schedule (upstream's Trainer resumes from model_last.pt).
- Otherwise the job starts a new run; the previous run's checkpoints and tensorboard log move to
  `previous/run_<N>/`. `finetune.resume` chooses where it starts:
  - `continue` (default): from the previous run's last weights, with a fresh schedule. On new
    data it trains `finetune.epochs` epochs; on the same data, the epochs still missing to reach
    `finetune.epochs` (raise it to train longer);
  - `restart`: from the extended pretrained checkpoint, `finetune.epochs` epochs.
- A new run with nothing to train (the same data and settings already trained for
  `finetune.epochs` epochs) is an error that says what to change.

The state lives in `finetune_run.json` beside the checkpoints.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass

from . import TrainingError
from .preflight import MODEL_LAST
from .settings import TRAINER_PARAMS
from .validation import BEST, RECORD

STATE = "finetune_run.json"
PREVIOUS = "previous"
# Settings that make a different run: the Trainer's, less the epochs (compared on their own)
# and what changes no schedule (saving, logging).
NOT_SCHEDULE = ("epochs", "save_per_updates", "keep_last_n_checkpoints", "last_per_updates", "logger", "log_samples")
SCHEDULE_KEYS = ("exp_name", "warmup_fraction") + tuple(k for k in TRAINER_PARAMS if k not in NOT_SCHEDULE)


@dataclass
class Run:
    number: int
    kind: str  # "first" | "resume" | "continue" | "restart"
    epochs: int  # epochs of this run (the Trainer's)
    epochs_requested: int  # finetune.epochs when it was planned
    epochs_on_data: int  # epochs the model will have seen this data at the end of this run
    data: str
    settings: str
    start_weights: str | None = None  # continue: the previous run's model_last.pt
    status: str = "running"
    vocab: list[str] | None = None  # vocab.txt's lines: a later run maps its rows by character


def fingerprint(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def settings_fingerprint(train: dict) -> str:
    return fingerprint({key: train.get(key) for key in SCHEDULE_KEYS})


def data_fingerprint(*paths: str) -> str:
    """sha256 over the training files (raw.arrow, vocab.txt): what the model learns from."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def read_state(checkpoint_dir: str) -> Run | None:
    path = os.path.join(checkpoint_dir, STATE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return Run(**json.load(f))


def write_state(checkpoint_dir: str, run: Run) -> None:
    path = os.path.join(checkpoint_dir, STATE)
    with open(path + ".partial", "w", encoding="utf-8") as f:
        json.dump(asdict(run), f, indent=2)
    os.replace(path + ".partial", path)


def training_files(checkpoint_dir: str) -> list[str]:
    """What a run leaves: model_*.pt, its validation record and best weights, the tensorboard log."""
    files = glob.glob(os.path.join(checkpoint_dir, "model_*.pt"))
    files += [p for p in (os.path.join(checkpoint_dir, n) for n in (RECORD, BEST)) if os.path.exists(p)]
    runs = os.path.join(checkpoint_dir, "runs")
    return sorted(files) + ([runs] if os.path.isdir(runs) else [])


def plan(checkpoint_dir: str, data: str, train: dict, mode: str) -> Run:
    """The run this job trains (nothing is moved or written here)."""
    settings = settings_fingerprint(train)
    epochs = train["epochs"]
    state = read_state(checkpoint_dir)
    leftovers = training_files(checkpoint_dir)
    if not leftovers:
        number = (state.number + 1) if state else 1
        return Run(number, "first", epochs, epochs, epochs, data, settings)
    if state is None:
        # checkpoints from a fine-tune that recorded no run (an older f5flow, or copied in):
        # run 0, its data unknown
        state = Run(0, "first", 0, 0, 0, "", "", status="finished")
    same = state.data == data and state.settings == settings and state.epochs_requested == epochs
    if same and state.status == "running":
        return Run(**{**asdict(state), "kind": "resume"})
    number = state.number + 1
    if mode == "restart":
        return Run(number, "restart", epochs, epochs, epochs, data, settings)
    start = os.path.join(PREVIOUS, f"run_{state.number}", MODEL_LAST)
    if state.data != data:
        return Run(number, "continue", epochs, epochs, epochs, data, settings, start)
    missing = epochs - state.epochs_on_data
    if missing <= 0:
        raise TrainingError(
            f"nothing to train: this data and vocab were already trained for {state.epochs_on_data} "
            f"epoch(s) and finetune.epochs is {epochs}. Raise finetune.epochs to train longer (the "
            "added epochs get a schedule of their own), or set finetune.resume: restart to train "
            "again from the extended pretrained checkpoint"
        )
    return Run(number, "continue", missing, epochs, epochs, data, settings, start)


def start(checkpoint_dir: str, run: Run) -> None:
    """Move the previous run aside (a new run), then record this one as running."""
    if run.kind in ("continue", "restart"):
        # a new run is numbered one past the run it replaces (run 0: checkpoints with no record)
        archive = os.path.join(checkpoint_dir, PREVIOUS, f"run_{run.number - 1}")
        os.makedirs(archive, exist_ok=True)
        for path in training_files(checkpoint_dir):
            shutil.move(path, os.path.join(archive, os.path.basename(path)))
        state = os.path.join(checkpoint_dir, STATE)
        if os.path.exists(state):
            os.replace(state, os.path.join(archive, STATE))
        if run.start_weights and not os.path.exists(os.path.join(checkpoint_dir, run.start_weights)):
            raise TrainingError(
                f"the previous run left no {MODEL_LAST} to continue from ({archive}): set "
                "finetune.resume: restart"
            )
    write_state(checkpoint_dir, run)


def finish(checkpoint_dir: str) -> None:
    run = read_state(checkpoint_dir)
    run.status = "finished"
    write_state(checkpoint_dir, run)


def describe(run: Run) -> str:
    return {
        "first": f"run {run.number}: fine-tune from the extended pretrained checkpoint, {run.epochs} epoch(s)",
        "resume": f"run {run.number}: resuming the interrupted run ({run.epochs} epoch(s) planned)",
        "continue": f"run {run.number}: continuing from the last weights ({run.start_weights}) with a "
        f"fresh schedule, {run.epochs} epoch(s)",
        "restart": f"run {run.number}: restarting from the extended pretrained checkpoint, "
        f"{run.epochs} epoch(s) (finetune.resume: restart)",
    }[run.kind]
