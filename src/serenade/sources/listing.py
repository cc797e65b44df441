"""The listing a fetch or export step writes: which files a source provides, and what it skipped.

JSON, so that parse_source can read it without knowing how the files were obtained:
    {"source": name, "files": [{"path": display path, "file": path on disk}],
     "failed": [{"path": ..., "reason": ...}],   # inputs that exist but could not be obtained
     "skipped": [{"path": ..., "reason": ...}]}  # not MIDI (archive members): reported only
Display paths are what the manifest shows: `archive.zip!member/path.mid` for archive members.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Listing:
    source: str
    files: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def add_file(self, display_path: str, file: str | os.PathLike) -> None:
        self.files.append({"path": display_path, "file": str(file)})

    def add_failed(self, display_path: str, reason: str) -> None:
        self.failed.append({"path": display_path, "reason": reason})

    def add_skipped(self, display_path: str, reason: str) -> None:
        self.skipped.append({"path": display_path, "reason": reason})

    def write(self, path: str | os.PathLike) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)

    @classmethod
    def read(cls, path: str | os.PathLike) -> "Listing":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))
