"""Load and validate the workflow configuration against workflow/schemas/config.schema.yaml.

The schema is the single description of every key (type, description, default): see
`serenade.config_schema`. `validate_config` is the one validator of a whole config: it fills in
the defaults, then reports every problem at once in one `ConfigError`, one line per problem,
each naming the key (`data.eval_fraction`, `sources[1].url`) and the reason, so a wrong value
stops the run before any job starts. After it, code reads keys with `config[key]`: every key
the schema defaults is there.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from serenade.config_schema import (SCHEMA_PATH, SOURCE_KINDS, ConfigError, defaults_of,
                                    load_schema, raise_problems, schema_default,
                                    schema_problems)
from serenade.generation.auto_inputs import is_auto
from serenade.generation.conditioning import parse_progression
from serenade.generation.features import MELODY_FEATURES, FeatureSet, features_for
from serenade.generation.jobs.kinds import job_kinds
from serenade.generation.selection import WindowChoice
from serenade.models.configs import get_config
from serenade.sources.chunks import Chunk, all_chunks
from serenade.sources.local import list_path_source
from serenade.training.settings import TrainSettings, resolve_config

__all__ = ["ConfigError", "SCHEMA_PATH", "SOURCE_KINDS", "defaults_of", "load_config",
           "load_schema", "model_problems", "schema_default", "source_chunks", "source_kind",
           "validate_config"]


def validate_config(config: dict, *, check_files: bool = False, generation: bool = True) -> dict:
    """Fill in defaults (in place) and validate; raise ConfigError naming every bad key.

    With `check_files`, a `path` source that matches no MIDI file is a problem too (the
    workflow asks for this; tests of the schema alone do not). Without `generation`, the rules
    of `generate:` beyond its schema are left to `generation_problems` (the workflow asks them
    only of runs that generate, so that no generation setting blocks `snakemake data`)."""
    problems = schema_problems(config)
    if not problems:  # the rules below read a config of the schema's shape
        problems = (_source_problems(config, check_files) + model_problems(config)
                    + (generation_problems(config) if generation else []))
    raise_problems(problems)
    return config


def _source_problems(config: dict, check_files: bool) -> list[str]:
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
        if check_files and "path" in source and not list_path_source(source["path"], missing_ok=True):
            problems.append(
                f"sources[{index}].path: {source['path']!r} matches no .mid/.midi file (a folder "
                "is searched recursively; a glob such as 'midi/**/*.mid' also works)")
    return problems


def model_problems(config: dict) -> list[str]:
    """Rules of `models:` a JSON schema cannot express (configs, hparams, train settings)."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(config["models"]):
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
            model_config = get_config(entry["config"], entry["hparams"])
            if model_config.groove and model_config.control_depth:
                raise ValueError(f"{entry['config']} is conditioned on the hits of each step, "
                                 "which the workflow's generation jobs do not give; train it "
                                 "with `serenade train` and use `serenade groove` "
                                 "(docs/generation.md), or take another GrooVAE config")
            if "train" in entry:
                resolve_config(entry["config"], entry["hparams"],
                               TrainSettings.from_mapping(entry["train"]))
            else:
                source = entry["checkpoint"]
                if ("path" in source) == ("url" in source):
                    problems.append(f"{where}.checkpoint: needs exactly one of `path` or `url`")
        except (ValueError, FileNotFoundError) as error:  # unknown config, hparams, shipped model
            problems.append(f"{where} ({name}): {error}")
    return problems


def generation_problems(config: dict) -> list[str]:
    """Rules of `generate:` a JSON schema cannot express (for a config of the schema's shape)."""
    section = config["generate"]
    found = []
    known = {m["name"] for m in config["models"]}
    for index, name in enumerate(section["models"]):
        if name not in known:
            found.append(f"generate.models[{index}]: {name!r} is not in models: "
                         f"({', '.join(sorted(known)) or 'none defined'})")
    windows = [("generate.window", section["window"])]
    for kind in job_kinds():
        if not kind.named:
            continue
        seen = set()
        for index, entry in enumerate(section[kind.section]):
            if entry["name"] in seen:
                found.append(f"generate.{kind.section}[{index}].name: {entry['name']!r} is used twice")
            seen.add(entry["name"])
            if "window" in entry:
                windows.append((f"generate.{kind.section}[{index}].window", entry["window"]))
    attributes = section["attributes"]
    labels = sorted({label for source in config["sources"] for label in source["labels"]})
    names = ([] if is_auto(attributes["names"]) else
             [(f"generate.attributes.names[{index}]", name)
              for index, name in enumerate(attributes["names"])])
    for index, piece in enumerate([] if is_auto(attributes["pieces"]) else attributes["pieces"]):
        names.append((f"generate.attributes.pieces[{index}].attribute", piece["attribute"]))
        if "window" in piece:
            windows.append((f"generate.attributes.pieces[{index}].window", piece["window"]))
    features = _generation_features(config)
    kinds = list(features.values()) or [MELODY_FEATURES]  # no model yet: the melody defaults
    computed = list(dict.fromkeys(n for f in kinds for n in f.scalars))
    unknown: dict[str, list[str]] = {}  # one problem per unknown name, however often it is used
    for where, name in names:
        if name not in computed and name not in labels:
            unknown.setdefault(name, []).append(where)
    for name, places in unknown.items():
        also = f" (also at {', '.join(places[1:])})" if len(places) > 1 else ""
        parted = [n for n in computed if n.endswith(f"_{name}") and n != name]
        if name in MELODY_FEATURES.scalars and parted:
            also += (f" (a melody attribute: a model of several parts computes it per part, "
                     f"as {' or '.join(parted)})")
        elif name in MELODY_FEATURES.scalars:
            also += " (a melody attribute, and no model generated from has melody windows)"
        found.append(f"{places[0]}: unknown attribute {name!r}{also}; computed ones are "
                     f"{', '.join(computed)}; source labels are {', '.join(labels) or 'none'}")
    if attributes["names"] or attributes["pieces"]:  # the attributes job runs for every model
        for model, feature_set in features.items():
            missing: dict[str, str] = {}
            for where, name in names:
                if name not in labels and name in computed and name not in feature_set.scalars:
                    missing.setdefault(name, where)
            if missing:
                first = next(iter(missing.values()))
                found.append(
                    f"{first}: {', '.join(map(repr, missing))} cannot be computed for model "
                    f"{model!r} ({feature_set.kind} windows); its computed attributes are "
                    f"{', '.join(feature_set.scalars)}: list only those (and source labels) in "
                    "generate.attributes (names: [] turns attribute vectors off), or leave the "
                    "model out of generate.models")
    found += _chord_model_problems(config)
    low, high = attributes["quantiles"]
    if low > high:
        found.append(f"generate.attributes.quantiles: {low} > {high}")
    for where, value in windows:
        try:
            WindowChoice.from_config(value)
        except (ValueError, AttributeError) as error:
            found.append(f"{where}: {error}")
    return found


def _chord_model_problems(config: dict) -> list[str]:
    """A chord-conditioned model among those generated from samples over `generate.chords`:
    a progression it cannot encode is reported now, not when its jobs run."""
    models = {m["name"]: m for m in config["models"]}
    text = config["generate"]["chords"]
    for name in config["generate"]["models"] or list(models):
        try:
            model_config = get_config(models[name]["config"])
        except (ValueError, KeyError, TypeError):
            continue  # reported by `model_problems`
        if not model_config.takes_chords:
            continue
        try:
            parse_progression(model_config.converter, text, "generate.chords")
        except ValueError as error:
            return [f"{error} (model {name!r}, {model_config.name})"]
    return []


def _generation_features(config: dict) -> dict[str, FeatureSet]:
    """{model: the features its windows have} for the models generation uses (an unknown config
    is reported by `model_problems`; it counts as melody here)."""
    models = {m["name"]: m for m in config["models"]}
    chosen = config["generate"]["models"] or list(models)
    found = {}
    for name in chosen:
        if name not in models:
            continue
        try:
            model_config = get_config(models[name]["config"], models[name]["hparams"])
        except (ValueError, KeyError, TypeError):
            found[name] = MELODY_FEATURES
            continue
        if model_config.groove:  # no attribute job for GrooVAE (`JobKind.applies`)
            continue
        found[name] = features_for(model_config.converter)
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


def source_chunks(source: dict, data: dict) -> list[Chunk]:
    """The parse chunks of a (validated) source: its own `parse_chunks`, else `data`'s."""
    return all_chunks(source.get("parse_chunks") or data["parse_chunks"])
