"""Files written only inside the folder that owns them.

Config strings (labels, attribute and piece names, job names) become file names. The schema
holds each to the rule of source and model names (letters, digits and `_ . -`, starting with a
letter or digit: never `..` nor a separator). Writers also build such paths through `inside`
(and names through `component`), so a name that reaches them another way (the command line,
a caller of the library) still cannot write outside the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from serenade.errors import UserError


class OutsideFolderError(UserError, ValueError):
    """A path built from a name would leave the folder it is written in."""


def component(name: str, what: str = "name") -> str:
    """`name` when it is one path component (no separator, NUL, `.` or `..`); else
    OutsideFolderError naming `what`."""
    if (not name or name in (".", "..") or "\0" in name
            or any(sep in name for sep in {"/", os.sep, os.altsep} - {None})):
        raise OutsideFolderError(f"{what} {name!r} cannot name a file (it must be one plain name, "
                                 "without / or ..)")
    return name


def resolves_inside(path: str | os.PathLike, folder: str | os.PathLike) -> bool:
    """Whether `path`, its links followed, is `folder` or lies under it (links followed too)."""
    resolved, base = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return resolved == base or resolved.is_relative_to(base)


def inside(folder: str | os.PathLike, *parts: str | os.PathLike) -> Path:
    """`folder`/`parts`..., refused (OutsideFolderError) when it resolves outside `folder`
    (`..`, an absolute part, or a link that points away)."""
    path = Path(folder).joinpath(*parts)
    if not resolves_inside(path, folder):
        raise OutsideFolderError(f"{os.fspath(path)!r} would be written outside {os.fspath(folder)}")
    return path
