import os
import sys

from snakemake.utils import validate

# The workflow's logic lives in src/f5flow; put it on the path even when Snakemake runs from an
# environment where f5flow is not installed.
sys.path.insert(0, os.path.join(workflow.basedir, "src"))

from f5flow import checkpoint, hub, inputs, model, vocab  # noqa: E402

validate(config, schema="../config/schema.yaml")

DATASET = config["dataset_name"]
DATA = f"data/{DATASET}"
WORK = f"work/{DATASET}"
LOGS = f"logs/{DATASET}"
BENCHMARKS = f"logs/{DATASET}/benchmark"
CKPTS = f"ckpts/{DATASET}"

# Absolute, so that no path handed to sox can read as an option or a `|pipe`.
INPUT_DIR = os.path.abspath(config["input_dir"])
try:
    ENTRIES = inputs.discover(INPUT_DIR)
except inputs.InputDirError as err:
    raise WorkflowError(str(err))
if not ENTRIES:
    raise WorkflowError(f"config key input_dir: {INPUT_DIR} holds no files")
UNITS = inputs.assign_units(ENTRIES, config["shard_size"], config["min_units"])

try:
    PRETRAINED_VOCAB = vocab.resolve(config["pretrained_vocab"])
    BACKBONE, ARCH = model.architecture(
        config["finetune"]["exp_name"], config["model"]["backbone"], config["model"]["arch"]
    )
except (vocab.VocabError, ValueError) as err:
    raise WorkflowError(str(err))

PRETRAINED_CHECKPOINT = config["pretrained_checkpoint"]
# The fine-tune's starting point, named as upstream names it (pretrained_<file name>).
EXTENDED_CHECKPOINT = f"{CKPTS}/{checkpoint.pretrained_name(PRETRAINED_CHECKPOINT)}"


wildcard_constraints:
    unit=r"[fs][0-9a-f]+(of[0-9]+)?",


def unit_entries(wildcards):
    """A unit's entries with the size and mtime of each file: the unit's `params`.

    The recordings are not declared as inputs: Snakemake stats every input of every ready job
    at each scheduling round, which at 10k clips cost more CPU than sox (BENCHMARKS.md). Any
    change of a file (or of the unit's membership) changes these params, and Snakemake's
    default `params` rerun trigger re-runs the unit.
    """
    return [entry.to_dict() for entry in UNITS[wildcards.unit]]


def all_units(pattern):
    return expand(pattern, unit=UNITS)


def pretrained_checkpoint_file(wildcards):
    """A local checkpoint is an input; an hf:// one is fetched by the job into the HF cache."""
    return [] if hub.is_hub(PRETRAINED_CHECKPOINT) else [PRETRAINED_CHECKPOINT]
