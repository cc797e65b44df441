"""Locations that code and tests share: the repository root and the `../shared` folder beside it."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
MAGENTA_FIXTURES = SHARED_DIR / "fixtures" / "magenta"
