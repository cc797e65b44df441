"""The config schema (workflow/schemas/config.schema.yaml) as the one source of every default,
and the one validator that checks a mapping against it.

Library settings (`TrainSettings`, `RenderSettings`, download and archive caps, ...) and the
CLI's flags take their defaults from here, so changing a default in the schema changes it
everywhere. A problem is reported as `key: reason`, one per line, in one `ConfigError`.

This module imports nothing from Serenade but `errors` and `paths`, so every layer may use it.
"""

from __future__ import annotations

import copy
import functools
import math
from pathlib import Path
from typing import Any, Iterable, Mapping

import jsonschema
import yaml

from serenade.errors import UserError

# workflow/schemas/config.schema.yaml, reached through the package (a link in the repository,
# the file itself in a wheel) so that an installed package finds it too.
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "config.schema.yaml"
SOURCE_KINDS = ("url", "path", "music21")


class ConfigError(UserError, ValueError):
    """The configuration is invalid; the message names each offending key and why."""


@functools.cache
def _schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_schema() -> dict:
    """The whole schema (a copy: callers may change it)."""
    return copy.deepcopy(_schema())


def schema_at(key: str) -> dict:
    """The schema of a dotted key such as `models.train.seed`; list items are entered
    implicitly (`generate.attributes.pieces.max_windows`). KeyError for an unknown key."""
    node = _schema()
    for part in key.split(".") if key else ():
        if "properties" not in node and "items" in node:
            node = node["items"]
        properties = node.get("properties", {})
        if part not in properties:
            raise KeyError(f"{key}: no such key in {SCHEMA_PATH.name}")
        node = properties[part]
    return node


def schema_default(key: str) -> Any:
    """The schema's default of a dotted key (a copy). KeyError when it has none."""
    node = schema_at(key)
    if "default" not in node:
        raise KeyError(f"{key} has no default in {SCHEMA_PATH.name}")
    return copy.deepcopy(node["default"])


def defaults_of(key: str) -> dict[str, Any]:
    """{name: default} of every key directly under an object (or list of objects) that has one."""
    node = schema_at(key)
    if "properties" not in node and "items" in node:
        node = node["items"]
    return {name: copy.deepcopy(sub["default"])
            for name, sub in node.get("properties", {}).items() if "default" in sub}


def key_path(parts: Iterable[Any], prefix: str = "") -> str:
    """`data.download.timeout_s`, `sources[1].url` from a key's parts."""
    text = prefix
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _with_defaults(validator_class):
    """A validator class that also writes each property's default into the instance."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


@functools.cache
def _validator_class(draft: str):
    return _with_defaults(jsonschema.validators.validator_for({"$schema": draft}))


def name_pattern() -> str:
    """The rule of every config string that names files or folders (sources, models, labels,
    attributes, pieces, generation jobs): the schema's pattern of a source's name."""
    return schema_at("sources.name")["pattern"]


def _describe(error: jsonschema.ValidationError, prefix: str) -> str:
    key = key_path(error.absolute_path, prefix)
    if error.validator == "oneOf" and not isinstance(error.instance, dict) and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) > len(error.absolute_path):  # an item of a list branch
            return _describe(deepest, prefix)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        return f"{key}: unknown key(s) {', '.join(map(repr, extra))}; allowed: {', '.join(allowed)}"
    if error.validator == "oneOf" and error.schema.get("oneOf") and isinstance(error.instance, dict):
        given = [kind for kind in SOURCE_KINDS if kind in error.instance]
        return (f"{key}: a source needs exactly one of {', '.join(SOURCE_KINDS)}; "
                f"got {', '.join(given) if given else 'none'}")
    if error.validator == "pattern" and error.validator_value == name_pattern():
        return (f"{key}: {error.instance!r} is not a valid name (it names files: letters, digits "
                "and _ . -, starting with a letter or digit)")
    if error.validator == "pattern":
        description = error.schema.get("description", "").split(". ")[0].rstrip(".")
        return f"{key}: {error.instance!r} is not valid ({description or 'pattern ' + error.validator_value})"
    return f"{key}: {error.message}"


def _non_finite(value: Any, parts: tuple, prefix: str) -> list[str]:
    """Keys holding nan or inf (YAML `.nan`, `.inf`): a JSON schema's bounds let them through."""
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{key_path(parts, prefix)}: {value} is not a finite number"]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _non_finite(item, (*parts, key), prefix)]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _non_finite(item, (*parts, index), prefix)]
    return []


def schema_problems(instance: Any, key: str = "", prefix: str | None = None) -> list[str]:
    """Fill in defaults (in place) and list every problem of `instance` against the schema of
    `key` (the whole schema for ""), each naming its key after `prefix` (default: `key`)."""
    schema = _schema() if not key else {"$schema": _schema()["$schema"], **schema_at(key)}
    validator = _validator_class(schema["$schema"])(schema)
    prefix = key if prefix is None else prefix
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [_describe(error, prefix) for error in errors] + _non_finite(instance, (), prefix)


def raise_problems(problems: Iterable[str], heading: str = "invalid configuration") -> None:
    """Raise one ConfigError listing each problem once, one per line (nothing when none)."""
    unique = list(dict.fromkeys(problems))
    if unique:
        raise ConfigError(f"{heading}:\n  - " + "\n  - ".join(unique))


def validated(key: str, values: Mapping[str, Any], prefix: str | None = None,
              heading: str | None = None) -> dict[str, Any]:
    """A copy of `values` checked against the schema of `key`, with its defaults filled in;
    ConfigError listing every problem otherwise."""
    instance = copy.deepcopy(dict(values))
    prefix = key if prefix is None else prefix
    raise_problems(schema_problems(instance, key, prefix), heading or f"invalid {prefix} settings")
    return instance
