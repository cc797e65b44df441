"""Input and target functions for the train and import rules (workflow/rules/train.smk)."""

from __future__ import annotations

from typing import Any

from serenade.conversion.columns import window_columns as _window_columns
from serenade.models.pretrained import resolve
from serenade.pipeline import layout
from serenade.training.model_entries import imported, trained

__all__ = ["imported", "trained", "targets", "train_inputs", "import_inputs", "window_columns"]


def window_columns(workflow_config: dict) -> dict[str, str]:
    """The manifest's window columns: the melody ones plus one per other converter that a model
    in `models:` uses (`windows_cat-drums_2bar_small`, ...)."""
    return _window_columns(m["config"] for m in workflow_config["models"])


def targets(workflow_config: dict) -> list[str]:
    """What `snakemake train` builds: every model's checkpoint and evaluation."""
    return [f"{layout.model_dir(m['name'])}/{part}" for m in workflow_config["models"]
            for part in ("checkpoint", "eval.json")]


def train_inputs(entry: dict, train_shards: list[str], eval_shards: list[str],
                 manifest: str) -> dict[str, Any]:
    inputs: dict[str, Any] = {"train": train_shards, "eval": eval_shards, "manifest": manifest}
    if entry["train"]["init_from"]:
        inputs["init_from"] = str(resolve(entry["train"]["init_from"]))
    return inputs


def import_inputs(entry: dict, eval_shards: list[str]) -> dict[str, Any]:
    inputs: dict[str, Any] = {"eval": eval_shards}
    if "path" in entry["checkpoint"]:
        inputs["checkpoint"] = entry["checkpoint"]["path"]
    return inputs
