"""`path` sources: a local folder (searched recursively) or a glob pattern.

Any name the file system holds works. Snakemake tracks the files as inputs, except names it
cannot take (undecodable bytes, control characters, `{` or `}`): a fingerprint of those reaches
the parse step through its params instead, so changing them reruns it too. Names that cannot be
written as text are parsed from a copy under a safe name; the manifest shows the original.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from serenade.sources import is_midi_name
from serenade.sources.chunks import Chunk, chunk_of
from serenade.sources.listing import Listing
from serenade.sources.names import DistinctPaths, is_printable, printable


def list_path_source(spec: str, *, missing_ok: bool = False) -> list[str]:
    """Sorted MIDI files (.mid/.midi, any case) under a folder or matching a glob.

    Raises FileNotFoundError when nothing matches, unless `missing_ok`.
    """
    expanded = os.path.expanduser(spec)
    if os.path.isdir(expanded):
        candidates = (os.path.join(folder, name) for folder, _, names in os.walk(expanded)
                      for name in names)
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


def snakemake_can_track(path: str) -> bool:
    """Whether Snakemake can take `path` as an input file (it writes input names into UTF-8
    lock files and reads `{...}` as a wildcard)."""
    return is_printable(path) and "{" not in path and "}" not in path


@dataclass(frozen=True)
class SnakemakeInputs:
    """A path source's files as the workflow's parse jobs take them: the files Snakemake tracks
    as inputs, per parse chunk (by display path, as the parse job assigns them), and a digest
    of the names, sizes and modification times of those it cannot track ('' when there are
    none), a param so that changing one of them reruns parsing too."""

    tracked: list[list[str]]
    untracked_fingerprint: str


def snakemake_inputs(spec: str, chunks: int = 1) -> SnakemakeInputs:
    """The `SnakemakeInputs` of a path source split into `chunks` (one listing of the folder)."""
    root = path_source_root(spec)
    tracked: list[list[str]] = [[] for _ in range(chunks)]
    digest = hashlib.sha256()
    untracked = 0
    for file in list_path_source(spec, missing_ok=True):
        if snakemake_can_track(file):
            tracked[chunk_of(os.path.relpath(file, root), chunks)].append(file)
        else:
            status = os.stat(file)
            digest.update(os.fsencode(file) + b"\0%d\0%d\0" % (status.st_size, status.st_mtime_ns))
            untracked += 1
    return SnakemakeInputs(tracked, digest.hexdigest() if untracked else "")


def path_source_listing(name: str, spec: str, staging: str | os.PathLike,
                        chunk: Chunk = Chunk(0, 1)) -> Listing:
    """Every MIDI file of a path source (of one parse `chunk`), display paths relative to its
    root (`path_source_root`).

    A file whose name cannot be written as text is copied under a safe name into `staging`
    (emptied first); its display path keeps the original name, undecodable bytes as `\\xNN`.
    """
    root = path_source_root(spec)
    staging = Path(staging)
    shutil.rmtree(staging, ignore_errors=True)
    listing = Listing(source=name)
    safe_paths = DistinctPaths()
    for file in list_path_source(spec):
        relative = os.path.relpath(file, root)
        if not chunk.holds(relative if is_printable(file) else printable(relative)):
            continue
        if is_printable(file):
            listing.add_file(relative, file)
            continue
        target = staging / safe_paths.allocate(relative)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
        except OSError as error:
            listing.add_failed(printable(relative), f"cannot read file: {error.strerror or error}")
            continue
        listing.add_file(printable(relative), target)
    return listing
