"""Load and validate the workflow configuration against workflow/schemas/config.schema.yaml.

The schema is the single description of every key (type, description, default). Validation fills
in defaults and reports every problem at once, each naming the key (`data.eval_fraction`,
`sources[1].url`) and the reason, so a wrong value stops the run before any job starts.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from serenade.errors import UserError
from serenade.generation.attributes import SCALAR_FEATURES
from serenade.generation.selection import WindowChoice
from serenade.models.configs import get_config
from serenade.paths import REPO_ROOT
from serenade.training.settings import TrainSettings, resolve_config

SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
SOURCE_KINDS = ("url", "path", "music21")


class ConfigError(UserError, ValueError):
    """The configuration is invalid; the message names each offending key and why."""


def load_schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


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


def _key_path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _describe(error: jsonschema.ValidationError, instance: Any) -> str:
    key = _key_path(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        return f"{key}: unknown key(s) {', '.join(map(repr, extra))}; allowed: {', '.join(allowed)}"
    if error.validator == "oneOf" and error.schema.get("oneOf") and isinstance(error.instance, dict):
        given = [kind for kind in SOURCE_KINDS if kind in error.instance]
        return (f"{key}: a source needs exactly one of {', '.join(SOURCE_KINDS)}; "
                f"got {', '.join(given) if given else 'none'}")
    if error.validator == "pattern":
        description = error.schema.get("description", "").split(". ")[0].rstrip(".")
        return f"{key}: {error.instance!r} is not valid ({description or 'pattern ' + error.validator_value})"
    return f"{key}: {error.message}"


def validate_config(config: dict) -> dict:
    """Fill in defaults (in place) and validate; raise ConfigError naming every bad key."""
    schema = load_schema()
    validator_class = _with_defaults(jsonschema.validators.validator_for(schema))
    validator = validator_class(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    problems = [_describe(error, config) for error in errors] + _non_finite(config)
    if not problems:
        problems = _source_problems(config) + model_problems(config) + _generate_problems(config)
    if problems:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(problems))
    return config


def _non_finite(value: Any, parts: tuple = ()) -> list[str]:
    """Keys holding nan or inf (YAML `.nan`, `.inf`): a JSON schema's bounds let them through."""
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{_key_path(parts)}: {value} is not a finite number"]
    if isinstance(value, dict):
        return [problem for key, item in value.items() for problem in _non_finite(item, (*parts, key))]
    if isinstance(value, list):
        return [problem for index, item in enumerate(value) for problem in _non_finite(item, (*parts, index))]
    return []


def _source_problems(config: dict) -> list[str]:
    """Rules of `sources:` a JSON schema cannot express."""
    problems = []
    seen: dict[str, int] = {}
    for index, source in enumerate(config["sources"]):
        name = source["name"]
        if name in seen:
            problems.append(f"sources[{index}].name: {name!r} is already used by sources[{seen[name]}]")
        seen.setdefault(name, index)
        if "sha256" in source and "url" not in source:
            problems.append(f"sources[{index}].sha256: only applies to a `url` source")
    return problems


def model_problems(config: dict) -> list[str]:
    """Rules of `models:` a JSON schema cannot express (configs, hparams, train settings)."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(config.get("models", [])):
        where = f"models[{index}]"
        name = entry["name"]
        if name in seen:
            problems.append(f"{where}.name: {name!r} is already used by models[{seen[name]}]")
        seen.setdefault(name, index)
        kinds = [kind for kind in ("train", "checkpoint") if kind in entry]
        if len(kinds) != 1:
            problems.append(f"{where}: a model needs exactly one of `train` or `checkpoint`; "
                            f"got {', '.join(kinds) if kinds else 'neither'}")
            continue
        try:
            if "train" in entry:
                resolve_config(entry["config"], entry.get("hparams", ""),
                               TrainSettings.from_mapping(entry["train"]))
            else:
                get_config(entry["config"], entry.get("hparams", ""))
                source = entry["checkpoint"]
                if ("path" in source) == ("url" in source):
                    problems.append(f"{where}.checkpoint: needs exactly one of `path` or `url`")
        except (ValueError, FileNotFoundError) as error:  # unknown config, hparams, shipped model
            problems.append(f"{where}: {error}")
    return problems


def _generate_problems(config: dict) -> list[str]:
    """Rules of `generate:` a JSON schema cannot express."""
    section = config.get("generate", {})
    found = []
    known = {m["name"] for m in config.get("models", [])}
    for name in section.get("models", []):
        if name not in known:
            found.append(f"generate.models: {name!r} is not in models: "
                         f"({', '.join(sorted(known)) or 'none defined'})")
    windows = [("generate.window", section.get("window"))]
    for kind in ("interpolations", "journeys"):
        seen = set()
        for index, entry in enumerate(section.get(kind, [])):
            if entry["name"] in seen:
                found.append(f"generate.{kind}[{index}].name: {entry['name']!r} is used twice")
            seen.add(entry["name"])
            if "window" in entry:
                windows.append((f"generate.{kind}[{index}].window", entry["window"]))
    attributes = section.get("attributes", {})
    labels = sorted({label for source in config.get("sources", []) for label in source.get("labels", [])})
    names = list(attributes.get("names", []))
    for index, piece in enumerate(attributes.get("pieces", [])):
        names.append(piece["attribute"])
        if "window" in piece:
            windows.append((f"generate.attributes.pieces[{index}].window", piece["window"]))
    for name in names:
        if name not in SCALAR_FEATURES and name not in labels:
            found.append(f"generate.attributes: unknown attribute {name!r}; computed ones are "
                         f"{', '.join(SCALAR_FEATURES)}; source labels are "
                         f"{', '.join(labels) or 'none'}")
    low, high = attributes.get("quantiles", [0.25, 0.75])
    if low > high:
        found.append(f"generate.attributes.quantiles: {low} > {high}")
    for where, value in windows:
        try:
            WindowChoice.from_config(value)
        except (ValueError, AttributeError) as error:
            found.append(f"{where}: {error}")
    return found


def load_config(path: str | Path) -> dict:
    """Read a YAML config file, fill in defaults and validate it."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            config = yaml.safe_load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys, not {type(config).__name__}")
    try:
        return validate_config(config)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def source_kind(source: dict) -> str:
    """Which of url/path/music21 a (validated) source uses."""
    return next(kind for kind in SOURCE_KINDS if kind in source)
