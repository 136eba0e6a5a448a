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
- The same data, settings and `finetune.epochs` as a finished run: nothing is trained, the job
  succeeds at once with that run's record ("already trained"). That is what a re-run after a
  touch, a checkout or an f5flow update that rewrites the stages' outputs byte-identically meets.
- A new run with nothing to train (other settings or fewer epochs on data already trained for
  `finetune.epochs` epochs) is an error that says what to change: training was asked for and
  cannot happen.

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
from .checks_in_job import MODEL_LAST
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
    kind: str  # "first" | "resume" | "continue" | "restart" | "trained" (already: nothing to do)
    epochs: int  # epochs of this run (the Trainer's)
    epochs_requested: int  # finetune.epochs when it was planned
    epochs_on_data: int  # epochs the model will have seen this data at the end of this run
    data: str
    settings: str
    start_weights: str | None = None  # continue: the previous run's model_last.pt
    status: str = "running"
    vocab: list[str] | None = None  # vocab.txt's lines: a later run maps its rows by character
    record: dict | None = None  # finished: its finetune_complete.json, given again when already trained


def fingerprint(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def settings_fingerprint(train: dict) -> str:
    return fingerprint({key: train.get(key) for key in SCHEDULE_KEYS})


def data_fingerprint(arrow: str, vocab: str) -> str:
    """sha256 of what the model learns from: vocab.txt, and raw.arrow's rows (text, duration,
    and each clip's path below the dataset folder). Not raw.arrow's bytes: they hold absolute
    paths (upstream's loader needs them), so a copied or moved project would be new data."""
    import numpy as np
    import orjson
    import pyarrow as pa

    digest = hashlib.sha256()
    with open(vocab, "rb") as f:
        digest.update(f.read())
    root = os.path.dirname(os.path.abspath(arrow)) + os.sep
    table = pa.ipc.open_stream(pa.memory_map(arrow)).read_all()
    paths = [p[len(root):] if p.startswith(root) else p for p in table.column("audio_path").to_pylist()]
    digest.update(orjson.dumps([paths, table.column("text").to_pylist()]))
    digest.update(np.asarray(table.column("duration").to_numpy(), dtype="<f8").tobytes())
    return digest.hexdigest()


def file_fingerprint(*paths: str) -> str:
    """sha256 over the files' bytes: the data fingerprint f5flow recorded before 2026-12
    (raw.arrow, vocab.txt); a run recorded with it is compared with it (plan's `recorded_as`)."""
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


def plan(checkpoint_dir: str, data: str, train: dict, mode: str, recorded_as=None) -> Run:
    """The run this job trains (nothing is moved or written here). recorded_as: a function
    giving this data's fingerprint as an older f5flow recorded it (file_fingerprint), for a
    state that holds neither: the same data is not a new run after an update of f5flow."""
    settings = settings_fingerprint(train)
    epochs = train["epochs"]
    state = read_state(checkpoint_dir)
    if state is not None and recorded_as is not None and state.data not in ("", data):
        if state.data == recorded_as():
            state.data = data
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
    if same and state.status == "finished" and mode != "restart":
        return Run(**{**asdict(state), "kind": "trained"})
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


def finish(checkpoint_dir: str, record: dict) -> None:
    run = read_state(checkpoint_dir)
    run.status, run.record = "finished", record
    write_state(checkpoint_dir, run)


def already_trained(run: Run) -> str:
    """The one line a job that has nothing to do says."""
    update = (run.record or {}).get("finished_at_update", "?")
    return (f"already trained: run {run.number}, update {update} (this data, vocab and settings, "
            f"finetune.epochs {run.epochs_requested}); raise finetune.epochs or set "
            "finetune.resume: restart to train again")


def forecast(checkpoint_dir: str, train: dict) -> str:
    """What the fine-tune job will do, as far as it is known before stage 4 has run (a dry run):
    the data's fingerprint is only known once raw.arrow is rebuilt."""
    state = read_state(checkpoint_dir)
    if not training_files(checkpoint_dir):
        return "fine-tune: a new run from the extended pretrained checkpoint"
    if state is None:
        return f"fine-tune: a new run ({train['resume']}) after the checkpoints found in {checkpoint_dir}"
    same = state.settings == settings_fingerprint(train) and state.epochs_requested == train["epochs"]
    update = (state.record or {}).get("finished_at_update")
    if state.status == "running":
        return (f"fine-tune: run {state.number} was interrupted; it resumes at its last saved update if "
                "the training data and settings are unchanged, else a new run starts")
    if same and train["resume"] != "restart":
        return (f"fine-tune: run {state.number} finished (update {update}); if the rebuilt training "
                "data is the same, the job ends at once (already trained), else a new run "
                f"({train['resume']}) starts")
    return (f"fine-tune: run {state.number} finished; finetune settings or epochs changed: a new run "
            f"({train['resume']})")


def describe(run: Run, started_at: int = 0, total: int | None = None) -> str:
    """The run in words; with its updates (from started_at to total) once they are planned."""
    updates = "" if total is None else f": updates {started_at} -> {total}"
    return {
        "first": f"run {run.number}: fine-tune from the extended pretrained checkpoint, {run.epochs} epoch(s){updates}",
        "resume": f"resuming run {run.number} at update {started_at} of {total}" if total is not None
        else f"run {run.number}: resuming the interrupted run ({run.epochs} epoch(s) planned)",
        "continue": f"run {run.number}: continuing from the last weights ({run.start_weights}) with a "
        f"fresh schedule, {run.epochs} epoch(s){updates}",
        "restart": f"run {run.number}: restarting from the extended pretrained checkpoint, "
        f"{run.epochs} epoch(s) (finetune.resume: restart){updates}",
    }[run.kind]
