"""The listing a fetch or export step writes: which files a source provides, and what it skipped.

JSON, so that parse_source can read it without knowing how the files were obtained:
    {"source": name, "files": [{"path": display path, "file": path on disk, "sha256": ...}],
     "failed": [{"path": ..., "reason": ..., "file", "sha256": ... (bytes kept aside, if any)}],
     "skipped": [{"path": ..., "reason": ...}]}  # not MIDI (archive members): reported only
Display paths are what the manifest shows: `archive.zip!member/path.mid` for archive members.
They are unique within a listing: a name seen again (an archive holding `a.mid` twice) gets
`#2`, `#3`, ... so that every entry keeps its own manifest row.

A written listing holds each file's SHA-256, so the workflow can tell, without reading the
files, which parse chunks a new listing changes (`chunk_fingerprints`): fetching a new version
of an archive reruns only the chunks whose files differ.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from serenade.sources.chunks import Chunk, chunk_of
from serenade.sources.digest import sha256_of


@dataclass
class Listing:
    source: str
    files: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._seen = {entry["path"] for entry in (*self.files, *self.failed, *self.skipped)}

    def _unique(self, display_path: str) -> str:
        path, number = display_path, 1
        while path in self._seen:
            number += 1
            path = f"{display_path}#{number}"
        self._seen.add(path)
        return path

    def add_file(self, display_path: str, file: str | os.PathLike) -> None:
        self.files.append({"path": self._unique(display_path), "file": str(file)})

    def add_failed(self, display_path: str, reason: str, file: str | os.PathLike | None = None) -> None:
        entry = {"path": self._unique(display_path), "reason": reason}
        if file is not None:
            entry["file"] = str(file)
        self.failed.append(entry)

    def add_skipped(self, display_path: str, reason: str) -> None:
        self.skipped.append({"path": self._unique(display_path), "reason": reason})

    def clear(self) -> None:
        self.files.clear()
        self.failed.clear()
        self.skipped.clear()
        self._seen.clear()

    def write(self, path: str | os.PathLike) -> None:
        """Write atomically (a temporary name, then a rename); never leaves the temporary.
        Entries with a file on disk (kept-aside failures too) get its SHA-256 first."""
        for entry in (*self.files, *self.failed):
            if "file" in entry and "sha256" not in entry:
                entry["sha256"] = sha256_of(entry["file"])
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        try:
            # ASCII JSON: any path, even one holding undecodable bytes, can be written.
            temporary.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    def only(self, chunk: Chunk) -> "Listing":
        """The entries of one parse chunk (by display path)."""
        return Listing(self.source, *([entry for entry in entries if chunk.holds(entry["path"])]
                                      for entries in (self.files, self.failed, self.skipped)))

    def chunk_fingerprints(self, count: int) -> list[str]:
        """For each of `count` parse chunks, a digest of its entries (display paths, files on
        disk and their SHA-256, reasons): it changes exactly when the chunk's parse would."""
        digests = [hashlib.sha256() for _ in range(count)]
        for kind, entries in (("files", self.files), ("failed", self.failed),
                              ("skipped", self.skipped)):
            for entry in entries:
                text = json.dumps([kind, entry], sort_keys=True)
                digests[chunk_of(entry["path"], count)].update(text.encode() + b"\n")
        return [digest.hexdigest() for digest in digests]

    @classmethod
    def read(cls, path: str | os.PathLike) -> "Listing":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))
