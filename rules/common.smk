import os
import sys

from snakemake.utils import validate

# The workflow's logic lives in src/f5flow; put it on the path even when Snakemake runs from an
# environment where f5flow is not installed.
sys.path.insert(0, os.path.join(workflow.basedir, "src"))

from f5flow import configuration, errors, hub, interrupts, model, runlock  # noqa: E402
from f5flow.planning import jobunits  # noqa: E402
from f5flow import records, segmentation, summary, text, vocabulary, weights  # noqa: E402
from f5flow.training import checks_at_start  # noqa: E402

# A killed run (kill -9) leaves Snakemake's locks behind: the plain command recovers (runlock.py).
if workflow.is_main_process:
    _recovered = runlock.claim(os.path.join(os.getcwd(), ".snakemake"))
    if _recovered:
        print(_recovered, file=sys.stderr)

# A failed job's cause (an F5flowError: what to fix) as the console's last lines.
if workflow.is_main_process and not workflow.output_settings.dryrun:
    errors.say_causes_at_exit()

# The default config is the real model and names no data: say what to give, not a schema dump.
_missing = [key for key in ("input_dir", "dataset_name") if key not in config]
if _missing:
    raise WorkflowError(
        f"config key(s) {', '.join(_missing)} missing: run with --config "
        "input_dir=/path/to/recordings dataset_name=myvoice (or --configfile config/demo.yaml for "
        "the bundled demo)"
    )
SCHEMA = os.path.join(workflow.basedir, "config", "schema.yaml")
# --config finetune='{epochs: 20}' hands nested values over as strings: typed as the schema asks
config.update(configuration.coerce_strings(config, SCHEMA))
try:
    configuration.check(config, SCHEMA)  # one line per problem, before Snakemake's schema dump
except errors.F5flowError as err:
    raise WorkflowError(str(err))
validate(config, schema=SCHEMA)  # fills in the schema's defaults

# Output roots; every path below is built from these.
DATA_ROOT, WORK_ROOT, LOGS_ROOT, CKPTS_ROOT = "data", "work", "logs", "ckpts"
DATASET = config["dataset_name"]
DATA = f"{DATA_ROOT}/{DATASET}"
WORK = f"{WORK_ROOT}/{DATASET}"
LOGS = f"{LOGS_ROOT}/{DATASET}"
BENCHMARKS = f"{LOGS}/benchmark"
CKPTS = f"{CKPTS_ROOT}/{DATASET}"
SAMPLES = f"samples/{DATASET}"
REPORTS = f"reports/{DATASET}"
SAMPLE_FILES = [
    f"{SAMPLES}/sample_{i:02d}.wav" for i in range(len(config["synthesize"]["sentences"]))
]
# Whether the stage 0 units embed each clip's voice (for quality.speaker_outlier).
SPEAKER_VOICES = config["quality"]["speaker_outlier"]["action"] != "off"
# Whether recordings without a text are transcribed (else missing_transcript).
TRANSCRIBE = config["segmentation"]["untranscribed"] == "transcribe"
# Whether any recording may be cut into clips: too long to be one clip, or without a text (both
# off: no find_long_recordings checkpoint in the plan).
SEGMENTING = config["segmentation"]["long_recordings"] != "off" or TRANSCRIBE
# The demo's stand-in pretrained model, shared by every dataset that names it.
TINY_MODELS = f"{WORK_ROOT}/tiny_model"

# Conventions shared by the rules:
# - `localrule: True` marks jobs of seconds of file work (aggregates, small records): on a
#   cluster they run on the submitting host, since a batch job would spend longer queueing and
#   starting than working (BENCHMARKS.md).
# - What a stage reads from outside the project (the input folder, the pretrained vocab inside
#   the Python environment, an hf:// checkpoint) is tracked by content (file names, sizes and
#   mtimes in the job units' manifests; a sha256 or the hub name in `params`), never by absolute
#   path, so a copied project or another environment re-runs nothing that has not changed. The
#   recordings are not declared as inputs: Snakemake stats every input of every ready job at
#   each scheduling round, which at 10k clips cost more CPU than sox (BENCHMARKS.md).
# Each job unit's manifest (its recordings, with their sizes and mtimes): the unit's input.
UNIT_MANIFESTS = f"{WORK}/units"
# Each long recording's manifest (its unit manifest's row): the input of its segment_recording job.
SEGMENT_MANIFESTS = f"{WORK}/segments"
try:
    text.TextOptions(**config["text"])  # contradictory text switches stop here, naming the keys
    if workflow.is_main_process:
        # Discovery lists the folder, stats the files it pairs and reads a table or manifest (no
        # recording opened), at every start-up; the manifests it changes re-run their units.
        PLAN = jobunits.plan(
            config["input_dir"],
            config["input_layout"],
            config["shard_size"],
            config["min_units"],
            UNIT_MANIFESTS,
            {
                "text_column": config["input_text_column"],
                "split": config["input_split"],
                # an hf://datasets/ input missing from the cache: fetched, except in a dry run
                "fetch": not workflow.output_settings.dryrun,
                # recordings without a transcript are to be transcribed, not missing_transcript
                "transcribe": TRANSCRIBE,
            },
        )
        # the layout is known before anything is decoded: said at every start, dry runs too
        print(f"f5flow input: {PLAN.layout} ({PLAN.found})", file=sys.stderr)
    else:
        # A cluster job parses this file again: it takes the units planning wrote instead of
        # listing a million files once more.
        PLAN = jobunits.read_plan(UNIT_MANIFESTS)
    UNITS, LAYOUT = PLAN.units, PLAN.layout
    if TRANSCRIBE and workflow.is_main_process:
        # the recogniser that would fail after stage 0 (offline, not cached) fails now
        hub.check_model(config["segmentation"]["recogniser"], "segmentation.recogniser")
    PRETRAINED_VOCAB_SHA256 = vocabulary.fingerprint(config["pretrained_vocab"])
    BACKBONE, ARCH = model.architecture(
        config["finetune"]["exp_name"], config["model"]["backbone"], config["model"]["arch"]
    )
except errors.F5flowError as err:
    raise WorkflowError(str(err))

PRETRAINED_CHECKPOINT = config["pretrained_checkpoint"]
# The fine-tune's starting point, named as upstream names it (pretrained_<file name>).
EXTENDED_CHECKPOINT = f"{CKPTS}/{weights.pretrained_name(PRETRAINED_CHECKPOINT)}"


wildcard_constraints:
    unit=jobunits.UNIT_WILDCARD,
    recording=segmentation.RECORDING_WILDCARD,


def all_units(pattern):
    return expand(pattern, unit=UNITS)


def all_long_recordings(pattern):
    """An input function: `pattern` for each recording stage 0 found too long to be one clip
    (known once the find_long_recordings checkpoint ran), or without a text to transcribe. The Snakemake process writes each one's
    manifest from its unit's, as planning writes the units' (only where it changed)."""

    def inputs(wildcards):
        if not SEGMENTING:
            return []
        table = checkpoints.find_long_recordings.get().output.table
        ids = segmentation.plan(
            table, UNIT_MANIFESTS, SEGMENT_MANIFESTS, write=workflow.is_main_process
        )
        return expand(pattern, recording=ids)

    return inputs


# What would fail hours later fails now, before stage 0 (dry runs included), in the Snakemake
# the user started (not again inside each cluster job, whose node may have no GPU). With --cores
# the fine-tune runs here, so this machine's GPUs are checked; with --jobs (cluster profiles)
# the job checks its node. Run while Snakemake builds the DAG, from the extend job's input, so
# only for targets that reach the model: data preparation needs no GPU and no checkpoint.
FINETUNE_PLAN = []


def check_model_once():
    if FINETUNE_PLAN or not workflow.is_main_process:
        return
    try:
        FINETUNE_PLAN.extend(
            checks_at_start.check(
                config,
                local_run=workflow.resource_settings.nodes is None,
                extended_checkpoint=EXTENDED_CHECKPOINT,
                durations=f"{DATA}/duration.json",
                plan_updates=workflow.output_settings.dryrun,
                plan_cache=f"{WORK}/epoch_batches.json",
            )
        )
    except errors.F5flowError as err:
        raise WorkflowError(str(err))
    if workflow.output_settings.dryrun:
        print("f5flow fine-tune plan:\n  " + "\n  ".join(FINETUNE_PLAN), file=sys.stderr)


def pretrained_checkpoint_file(wildcards):
    """A local checkpoint is an input; an hf:// one is fetched by the job into the HF cache.
    (Evaluated when the extend job is in the DAG: the model's checks run here.)"""
    check_model_once()
    return [] if hub.is_hub(PRETRAINED_CHECKPOINT) else [PRETRAINED_CHECKPOINT]
