"""Wildcard patterns for rules."""

from __future__ import annotations

import re
from collections.abc import Iterable


def one_of(names: Iterable[str]) -> str:
    """A pattern matching exactly these names; one that matches nothing when there are none
    (an empty alternative would match the empty string)."""
    return "|".join(map(re.escape, names)) or "(?!x)x"
