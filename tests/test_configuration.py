"""Nested values from `--config` arrive as strings; they are typed as the schema asks."""

from f5flow import configuration

from conftest import REPO

SCHEMA = str(REPO / "config" / "schema.yaml")


def test_nested_command_line_strings_get_the_schema_types():
    config = {
        "finetune": {"epochs": "20", "learning_rate": "1e-4", "num_warmup_updates": "null",
                     "log_samples": "true", "mixed_precision": "no", "exp_name": "123"},
        "filters": {"min_words": "4", "max_duration": "20.5"},
        "dataset_name": "007",
    }
    typed = configuration.coerce_strings(config, SCHEMA)
    assert typed["finetune"] == {"epochs": 20, "learning_rate": 1e-4, "num_warmup_updates": None,
                                 "log_samples": True, "mixed_precision": "no", "exp_name": "123"}
    assert typed["filters"] == {"min_words": 4, "max_duration": 20.5}
    assert typed["dataset_name"] == "007"  # a string key stays a string


def test_a_wrong_value_is_left_for_the_schema_to_report():
    typed = configuration.coerce_strings({"filters": {"min_words": "four", "min_duration": "1.5.2"}}, SCHEMA)
    assert typed == {"filters": {"min_words": "four", "min_duration": "1.5.2"}}


def test_an_unquoted_off_or_no_is_the_word_the_choices_mean():
    """YAML reads `action: off` and `mixed_precision: no` as false: the schema's word, not an error."""
    config = {"quality": {"speaker_outlier": {"action": False}}, "segmentation": {"long_recordings": False},
              "finetune": {"mixed_precision": False, "log_samples": False}}
    typed = configuration.coerce_strings(config, SCHEMA)
    assert typed == {"quality": {"speaker_outlier": {"action": "off"}}, "segmentation": {"long_recordings": "off"},
                     "finetune": {"mixed_precision": "no", "log_samples": False}}
    required = {"input_dir": "in", "dataset_name": "d", "pretrained_checkpoint": "m.pt"}
    configuration.check({**typed, **required}, SCHEMA)  # valid as it is
