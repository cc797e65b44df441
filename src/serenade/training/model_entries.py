"""Lookups in the `models:` section of the (validated) workflow workflow_config."""

from __future__ import annotations

from typing import Any


def trained(workflow_config: dict) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in workflow_config["models"] if "train" in m}


def imported(workflow_config: dict) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in workflow_config["models"] if "checkpoint" in m}
