"""Parse chunks: one source's files split over several parse jobs.

A file belongs to chunk `hash(display path) mod count`. The hash is of the path, not the
content, so the workflow can assign files before reading them, and a file keeps its chunk when
others are added or removed: adding files to a large folder reruns only the chunks they fall in,
and a cluster parses the chunks as parallel jobs. A light module (hashlib only), because the
workflow names its chunk outputs with it while planning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Chunk:
    """Chunk `index` (0-based) of a source split into `count`."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"chunk {self.index} of {self.count} does not exist")

    @property
    def name(self) -> str:
        """The chunk's folder name, e.g. `part-003-of-050` (1-based, as people count)."""
        return f"part-{self.index + 1:03d}-of-{self.count:03d}"

    @classmethod
    def parse(cls, name: str) -> "Chunk":
        """The inverse of `name`."""
        prefix, number, of, count = name.split("-")
        if prefix != "part" or of != "of":
            raise ValueError(f"not a chunk name: {name!r}")
        return cls(int(number) - 1, int(count))

    def holds(self, display_path: str) -> bool:
        """Whether the file shown as `display_path` belongs to this chunk."""
        return self.count == 1 or chunk_of(display_path, self.count) == self.index


def chunk_of(display_path: str, count: int) -> int:
    """The chunk (0-based) of a file among `count`; any string, even with undecodable bytes."""
    key = display_path.encode("utf-8", "surrogateescape")
    return int.from_bytes(hashlib.sha1(key).digest()[:8], "big") % count


def all_chunks(count: int) -> list[Chunk]:
    return [Chunk(index, count) for index in range(count)]
