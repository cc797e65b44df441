"""`path` sources: a local folder (searched recursively) or a glob pattern.

Any name the file system holds works. The workflow does not give Snakemake the files as
inputs: each parse chunk's job gets a fingerprint of its files (display paths, sizes,
modification times) as a param, so adding, removing or changing a file reruns its chunk alone;
Snakemake cannot take every name as an input (undecodable bytes, control characters, braces),
and it checks every input of a waiting job each time it schedules one, which costs minutes at
100,000 files. Names that cannot be written as text are parsed from a copy under a safe name;
the manifest shows the original.

Links: a linked folder is never entered (a folder is walked without following links, and a
glob's `**` does not descend into them), so links that loop back cannot make a listing endless.
A linked file is used when it resolves inside the source's folder; a link that leaves the
folder, or points to nothing, gets an `invalid` row saying so, and its target is never read.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
from pathlib import Path

from serenade.base.confined import resolves_inside
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
    else:  # pathlib's `**`, unlike glob's, never follows a linked folder
        root = path_source_root(expanded)
        candidates = map(str, Path(root).glob(os.path.relpath(expanded, root)))
    files = sorted(p for p in candidates
                   if is_midi_name(p) and (os.path.isfile(p) or os.path.islink(p)))
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


def display_path(file: str, root: str) -> str:
    """How the manifest shows `file` of a path source: relative to its root, as text."""
    relative = os.path.relpath(file, root)
    return relative if is_printable(file) else printable(relative)


def link_refusal(file: str, root: str) -> str | None:
    """Why a listed file is not read (a link leaving `root`, or pointing to nothing); None
    when it may be read."""
    if not os.path.exists(file):
        return f"a link to nothing ({os.readlink(file)!r} does not exist)"
    if not resolves_inside(file, root):
        return "a link to a file outside the source folder: refused, its target is not read"
    if not os.path.isfile(file):
        return "a link to something that is not a file"
    return None


def chunk_fingerprints(spec: str, chunks: int = 1) -> list[str]:
    """For each of the `chunks` parse chunks of a path source, a digest of its files' display
    paths, sizes and modification times (one listing of the folder)."""
    root = path_source_root(spec)
    digests = [hashlib.sha256() for _ in range(chunks)]
    for file in list_path_source(spec, missing_ok=True):
        shown = display_path(file, root)
        status = os.stat(file) if os.path.exists(file) else os.lstat(file)  # a dangling link
        digests[chunk_of(shown, chunks)].update(
            shown.encode("utf-8", "surrogateescape")
            + b"\0%d\0%d\0" % (status.st_size, status.st_mtime_ns))
    return [digest.hexdigest() for digest in digests]


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
        shown = display_path(file, root)
        if not chunk.holds(shown):
            continue
        refusal = link_refusal(file, root)
        if refusal:
            listing.add_failed(shown, refusal)
            continue
        if is_printable(file):
            listing.add_file(shown, file)
            continue
        target = staging / safe_paths.allocate(os.path.relpath(file, root))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
        except OSError as error:
            listing.add_failed(shown, f"cannot read file: {error.strerror or error}")
            continue
        listing.add_file(shown, target)
    return listing
