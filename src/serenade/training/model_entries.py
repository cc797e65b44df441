"""The `models:` section of the workflow config: checks the schema cannot express, and lookups."""

from __future__ import annotations

from typing import Any

from serenade.training.settings import TrainSettings, resolve_config


def model_problems(config: dict) -> list[str]:
    """Every problem with `config['models']` (after schema validation), each naming the key."""
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
                from serenade.models.configs import get_config

                get_config(entry["config"], entry.get("hparams", ""))
                source = entry["checkpoint"]
                if ("path" in source) == ("url" in source):
                    problems.append(f"{where}.checkpoint: needs exactly one of `path` or `url`")
        except ValueError as error:
            problems.append(f"{where}: {error}")
    return problems


def trained(config: dict) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in config.get("models", []) if "train" in m}


def imported(config: dict) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in config.get("models", []) if "checkpoint" in m}


# -- workflow helpers (train.smk calls these through lambdas) ------------------------------

MODELS_DIR = "results/models"


def targets(config: dict) -> list[str]:
    """What `snakemake train` builds: every model's checkpoint and evaluation."""
    return [f"{MODELS_DIR}/{m['name']}/{part}" for m in config.get("models", [])
            for part in ("checkpoint", "eval.json")]


def name_pattern(names) -> str:
    """Wildcard constraint matching exactly these names (nothing when there are none)."""
    import re

    return "|".join(map(re.escape, names)) or "(?!x)x"


def train_inputs(entry: dict, train_shards: list[str], eval_shards: list[str],
                 manifest: str) -> dict[str, Any]:
    inputs: dict[str, Any] = {"train": train_shards, "eval": eval_shards, "manifest": manifest}
    if entry["train"].get("init_from"):
        from serenade.models.pretrained import resolve

        inputs["init_from"] = str(resolve(entry["train"]["init_from"]))
    return inputs


def import_inputs(entry: dict, eval_shards: list[str]) -> dict[str, Any]:
    inputs: dict[str, Any] = {"eval": eval_shards}
    if "path" in entry["checkpoint"]:
        inputs["checkpoint"] = entry["checkpoint"]["path"]
    return inputs
