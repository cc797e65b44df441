"""Lookups in the `models:` section of the (validated) workflow config."""

from __future__ import annotations

from typing import Any


def trained(config: dict) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in config["models"] if "train" in m}


def imported(config: dict) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in config["models"] if "checkpoint" in m}
