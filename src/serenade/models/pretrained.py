"""Models that ship with Serenade, named `pretrained:NAME` wherever a checkpoint is accepted.

They live in the package (`serenade/pretrained/NAME/`, a Serenade checkpoint stored as float16),
so a wheel install has them too; docs/pretrained.md is their model card.
"""

from __future__ import annotations

import os
from pathlib import Path

from serenade.paths import PACKAGE_DIR

PRETRAINED_DIR = PACKAGE_DIR / "pretrained"
PREFIX = "pretrained:"
# A Serenade checkpoint's metadata file (config, hparams, step). Named here, a module without
# TensorFlow, so that validating a workflow config reads it without loading TensorFlow.
METADATA = "serenade.json"


def available() -> list[str]:
    """Names of the shipped models."""
    if not PRETRAINED_DIR.is_dir():
        return []
    return sorted(p.name for p in PRETRAINED_DIR.iterdir() if (p / METADATA).is_file())


def is_reference(location: str | os.PathLike) -> bool:
    return str(location).startswith(PREFIX)


def resolve(location: str | os.PathLike) -> Path:
    """The checkpoint path of `location`: a `pretrained:NAME` reference, or the path itself."""
    if not is_reference(location):
        return Path(location).expanduser()
    name = str(location)[len(PREFIX):]
    path = PRETRAINED_DIR / name
    if not name or "/" in name or not (path / "serenade.json").is_file():
        raise FileNotFoundError(f"{location}: no such shipped model; shipped: "
                                f"{', '.join(PREFIX + n for n in available()) or 'none'}")
    return path
