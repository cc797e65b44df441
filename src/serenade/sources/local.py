"""`path` sources: a local folder (searched recursively) or a glob pattern."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from serenade.sources import is_midi_name


def list_path_source(spec: str, *, missing_ok: bool = False) -> list[str]:
    """Sorted MIDI files (.mid/.midi, any case) under a folder or matching a glob.

    Raises FileNotFoundError when nothing matches, unless `missing_ok`.
    """
    expanded = os.path.expanduser(spec)
    if os.path.isdir(expanded):
        candidates = (str(p) for p in Path(expanded).rglob("*"))
    else:
        candidates = glob.iglob(expanded, recursive=True)
    files = sorted(p for p in candidates if is_midi_name(p) and os.path.isfile(p))
    if not files and not missing_ok:
        raise FileNotFoundError(f"path source {spec!r} matches no .mid/.midi file")
    return files


def path_source_root(spec: str) -> str:
    """The folder that display paths of a `path` source are relative to."""
    expanded = os.path.expanduser(spec)
    if os.path.isdir(expanded):
        return expanded
    # A glob: the longest leading part without wildcards.
    parts = []
    for part in Path(expanded).parts:
        if glob.has_magic(part):
            break
        parts.append(part)
    root = os.path.join(*parts) if parts else "."
    return root if os.path.isdir(root) else os.path.dirname(root) or "."
