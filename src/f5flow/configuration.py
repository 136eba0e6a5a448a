"""The workflow's configuration before the schema checks it.

`--config finetune='{epochs: 20}'` reaches the workflow with every nested value a string
(Snakemake reads nested values with YAML's BaseLoader), so `epochs` would be '20' and fail the
schema. A string where the schema asks for a number, a boolean or null is read as YAML and kept
when it is of the asked type; anything else is left for the schema to report. And YAML reads an
unquoted `off` or `no` as false: where the schema's choices hold the word, it is the word.
"""

from __future__ import annotations

import difflib

import yaml

from .errors import F5flowError

# problems named at most (a wrong file gives many: the first ones say what is wrong)
MAX_PROBLEMS = 5

_TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _coerce(value, schema: dict):
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    if isinstance(value, dict) and "properties" in schema:
        return {k: _coerce(v, schema["properties"].get(k, {})) for k, v in value.items()}
    choices = schema.get("enum", ())
    if isinstance(value, bool) and value not in choices:
        # YAML 1.1 reads an unquoted off/no (on/yes) as a boolean: the word the choices mean
        words = [w for w in (("on", "yes") if value else ("off", "no")) if w in choices]
        return words[0] if words else value
    if not isinstance(value, str) or "string" in types:
        return value
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    if isinstance(parsed, str) and "number" in types:
        try:
            parsed = float(value)  # YAML 1.1 reads 1e-4 (no dot) as a string
        except ValueError:
            return value
    return parsed if any(_TYPES[t](parsed) for t in types if t in _TYPES) else value


def coerce_strings(config: dict, schema_path: str) -> dict:
    """The config with command-line strings turned into the types the schema asks for."""
    return _coerce(config, _load(schema_path))


class ConfigError(F5flowError):
    pass


def _load(schema_path: str) -> dict:
    with open(schema_path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _words(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _problem(error) -> list[str]:
    """One line per problem of a jsonschema error."""
    key = ".".join(str(p) for p in error.absolute_path)
    at = f"config key {key}" if key else "the config"
    rule, detail = error.validator, error.validator_value
    if rule == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        lines = []
        for name in sorted(set(error.instance) - set(known)):
            full = f"{key}.{name}" if key else name
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean {(key + '.' if key else '') + close[0]}?" if close else (
                f"the keys{' of ' + key if key else ''} are {', '.join(known)}")
            lines.append(f"config key {full}: unknown; {hint}")
        return lines
    if rule == "pattern":
        allowed = error.schema.get("x-allowed", f"text matching {detail}")
        return [f"{at}: {_words(error.instance)} is not allowed: use {allowed}"]
    if rule == "enum":
        return [f"{at}: {_words(error.instance)} is not one of {', '.join(map(str, detail))}"]
    if rule == "type":
        kinds = [detail] if isinstance(detail, str) else detail
        return [f"{at}: {_words(error.instance)} is not {' or '.join(kinds)}"]
    if rule in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        word = {"minimum": "below the minimum", "exclusiveMinimum": "not above",
                "maximum": "above the maximum", "exclusiveMaximum": "not below"}[rule]  # fmt: skip
        return [f"{at}: {_words(error.instance)} is {word} {detail}"]
    if rule == "required":
        return [f"{at}: {', '.join(k for k in detail if k not in error.instance)} missing"]
    return [f"{at}: {error.message.splitlines()[0][:160]}"]


def check(config: dict, schema_path: str) -> None:
    """Raise a ConfigError naming each problem of the config in one line (the first few)."""
    import jsonschema

    schema = _load(schema_path)
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [line for error in errors for line in _problem(error)]
    if problems:
        more = len(problems) - MAX_PROBLEMS
        raise ConfigError("\n".join(problems[:MAX_PROBLEMS] + ([f"({more} more)"] if more > 0 else [])))
