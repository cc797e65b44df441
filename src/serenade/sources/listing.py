"""The listing a fetch or export step writes: which files a source provides, and what it skipped.

JSON, so that parse_source can read it without knowing how the files were obtained:
    {"source": name, "files": [{"path": display path, "file": path on disk}],
     "failed": [{"path": ..., "reason": ..., "file": ... (optional, bytes kept aside)}],
     "skipped": [{"path": ..., "reason": ...}]}  # not MIDI (archive members): reported only
Display paths are what the manifest shows: `archive.zip!member/path.mid` for archive members.
They are unique within a listing: a name seen again (an archive holding `a.mid` twice) gets
`#2`, `#3`, ... so that every entry keeps its own manifest row.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from serenade.sources.chunks import Chunk


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
        """Write atomically (a temporary name, then a rename); never leaves the temporary."""
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

    @classmethod
    def read(cls, path: str | os.PathLike) -> "Listing":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))
