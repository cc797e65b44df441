"""File names from untrusted places (archives, folders, URLs): shown safely, stored safely.

A name may hold bytes that are not UTF-8 (Python keeps them as surrogate escapes), control
characters, or be longer than a file system allows. `printable` turns any name into text that
can go into a CSV, JSON or a NoteSequence (undecodable bytes and control characters as
`\\xNN`); `safe_component` turns it into a file name every file system takes; `DistinctPaths`
gives each member of an archive its own path on disk, however the names collide.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import PurePosixPath

# Leaves room under the usual 255-byte limit for a `~N` counter and a temporary suffix.
MAX_COMPONENT_BYTES = 200
# Deeper or longer member paths are stored at the top of the destination instead.
MAX_DEPTH = 32
MAX_PATH_BYTES = 1024
_REPLACED = set('/\\:*?"<>|')


def _raw_bytes(name: str) -> bytes:
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates that are not escaped bytes
        return name.encode("utf-8", "backslashreplace")


def printable(name: str) -> str:
    """`name` as UTF-8-safe text: undecodable bytes and control characters become `\\xNN`."""
    text = _raw_bytes(name).decode("utf-8", "backslashreplace")
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in text)


def is_printable(name: str) -> bool:
    """Whether `name` can be shown and written as it is (see `printable`)."""
    if name.isascii():  # the common case, fast: a folder can hold 100,000 names
        return name.isprintable()
    return printable(name) == name


def safe_component(name: str) -> str:
    """A file name for `name` that any file system holds: printable, no separators or
    reserved characters, not hidden, at most MAX_COMPONENT_BYTES bytes (a long name keeps its
    start and suffix, plus a hash of the whole name so that distinct names stay distinct)."""
    text = "".join("_" if c in _REPLACED else c for c in printable(name)).strip(" .")
    if not text:
        text = "unnamed"
    if len(text.encode("utf-8")) <= MAX_COMPONENT_BYTES:
        return text
    stem, suffix = _split_suffix(text)
    tag = "~" + hashlib.sha256(_raw_bytes(name)).hexdigest()[:10]
    room = MAX_COMPONENT_BYTES - len(tag.encode()) - len(suffix.encode())
    if room < 16:  # an absurd "suffix": keep the start of the name only
        stem, suffix = text, ""
        room = MAX_COMPONENT_BYTES - len(tag.encode())
    return stem.encode("utf-8")[:room].decode("utf-8", "ignore") + tag + suffix


def _split_suffix(name: str) -> tuple[str, str]:
    """(stem, suffix); `.tar.gz` and the like count as one suffix."""
    lower = name.lower()
    for compound in (".tar.gz", ".tar.bz2", ".tar.xz"):
        if lower.endswith(compound) and len(name) > len(compound):
            return name[: -len(compound)], name[-len(compound):]
    dot = name.rfind(".")
    return (name[:dot], name[dot:]) if dot > 0 else (name, "")


def _numbered(name: str, number: int) -> str:
    stem, suffix = _split_suffix(name)
    return f"{stem}~{number}{suffix}"


class DistinctPaths:
    """Safe relative paths for member names, distinct from each other even on a
    case-insensitive file system: a name seen again (`a.mid` twice, `./a.mid`, `A.MID`) gets
    `a~2.mid`; a file and a folder of the same name (`x` and `x/y`) get `x` and `x~2/y`."""

    def __init__(self) -> None:
        self._taken: set[str] = set()  # casefolded relative paths of files and folders
        self._folders: dict[tuple[str, ...], PurePosixPath] = {}

    def allocate(self, name: str) -> PurePosixPath:
        parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]
        *folders, leaf = parts or ["unnamed"]
        if len(folders) > MAX_DEPTH or len(_raw_bytes(name)) > MAX_PATH_BYTES:
            folders = []
        parent = PurePosixPath()
        for depth in range(len(folders)):
            key = tuple(folders[: depth + 1])
            if key not in self._folders:
                self._folders[key] = self._claim(parent, safe_component(folders[depth]))
            parent = self._folders[key]
        return self._claim(parent, safe_component(leaf))

    def _claim(self, parent: PurePosixPath, component: str) -> PurePosixPath:
        candidate, number = parent / component, 1
        while str(candidate).casefold() in self._taken:
            number += 1
            candidate = parent / _numbered(component, number)
        self._taken.add(str(candidate).casefold())
        return candidate
