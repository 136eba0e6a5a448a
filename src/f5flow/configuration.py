"""The workflow's configuration before the schema checks it.

`--config finetune='{epochs: 20}'` reaches the workflow with every nested value a string
(Snakemake reads nested values with YAML's BaseLoader), so `epochs` would be '20' and fail the
schema. A string where the schema asks for a number, a boolean or null is read as YAML and kept
when it is of the asked type; anything else is left for the schema to report.
"""

from __future__ import annotations

import yaml

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
    with open(schema_path, encoding="utf-8") as f:
        schema = yaml.safe_load(f)
    return _coerce(config, schema)
