"""The SHA-256 of a file, read in blocks: a file's identity in the manifest, in a listing and
in a `sha256:` pin."""

from __future__ import annotations

import hashlib
import os


def sha256_of(path: str | os.PathLike) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
