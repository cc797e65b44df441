"""Input and target functions for the train and import rules (workflow/rules/train.smk)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from serenade.conversion.columns import column_for
from serenade.conversion.columns import window_columns as _window_columns
from serenade.models.pretrained import resolve
from serenade.pipeline import layout
from serenade.training.model_entries import imported, trained

__all__ = ["imported", "trained", "targets", "train_inputs", "import_inputs", "window_columns",
           "without_windows"]


def window_columns(workflow_config: dict) -> dict[str, str]:
    """The manifest's window columns: the melody ones plus one per other converter that a model
    in `models:` uses (`windows_cat-drums_2bar_small`, ...)."""
    return _window_columns(m["config"] for m in workflow_config["models"])


def targets(workflow_config: dict, skipped: Iterable[str] = ()) -> list[str]:
    """What `snakemake train` builds: every model's checkpoint and evaluation (but `skipped`'s)."""
    return [f"{layout.model_dir(m['name'])}/{part}" for m in workflow_config["models"]
            if m["name"] not in set(skipped) for part in ("checkpoint", "eval.json")]


def without_windows(workflow_config: dict, manifest: str | Path) -> dict[str, str]:
    """The models to train that the manifest's train split gives no window (name -> why): a
    collection of short clips has no 16-bar phrase, and training would have nothing to learn
    from, so the workflow leaves such a model out and says why instead of failing the run."""
    with open(manifest, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if row["status"] == "ok" and row["split"] == "train"]
        header = reader.fieldnames or []
    found = {}
    for entry in workflow_config["models"]:
        column = column_for(entry["config"], header) if "train" in entry else None
        if column is None or any(int(row[column] or 0) for row in rows):
            continue
        found[entry["name"]] = (
            f"model {entry['name']} ({entry['config']}) is left out: none of the {len(rows)} "
            f"training pieces has a window it learns from (manifest column {column}); bring "
            "longer pieces, or remove it from `models:`")
    return found


def train_inputs(entry: dict, train_shards: list[str], eval_shards: list[str],
                 manifest: str) -> dict[str, Any]:
    inputs: dict[str, Any] = {"train": train_shards, "eval": eval_shards, "manifest": manifest}
    for setting in ("init_from", "bar_teacher"):  # models to start from: built first
        if entry["train"].get(setting):
            inputs[setting] = str(resolve(entry["train"][setting]))
    return inputs


def import_inputs(entry: dict, eval_shards: list[str]) -> dict[str, Any]:
    inputs: dict[str, Any] = {"eval": eval_shards}
    if "path" in entry["checkpoint"]:
        inputs["checkpoint"] = entry["checkpoint"]["path"]
    return inputs
