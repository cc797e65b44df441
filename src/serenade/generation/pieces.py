"""A piece to edit with an attribute vector (`generate.attributes.pieces[]`), typed.

Its own defaults come from the schema; the keys it may leave out (strength, qpm, window) fall
back to the section's values, which the job passes in.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

from serenade.base.confined import component
from serenade.config_schema import schema_default


@dataclass(frozen=True)
class AttributePiece:
    name: str  # output file stem
    input: str  # file path or source:relative/path
    attribute: str
    strength: float | None = None  # None: generate.attributes.strength
    max_windows: int = schema_default("generate.attributes.pieces.max_windows")
    qpm: float | None = None  # None: generate.attributes.qpm
    window: Any = None  # None: generate.window

    def __post_init__(self):
        component(self.name, "piece name")  # names files: refused before any work
        component(self.attribute, "attribute")  # keys vectors.npz

    @classmethod
    def from_config(cls, entry: "Mapping[str, Any] | AttributePiece") -> "AttributePiece":
        """From a validated `pieces` entry (an AttributePiece is returned as it is)."""
        if isinstance(entry, cls):
            return entry
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in entry.items() if key in known})
