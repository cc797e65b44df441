"""The records of TFRecord files as a sequence read from disk on demand.

A Lakh-sized split is several GB of serialized NoteSequences; training draws from it in a
seeded random order and evaluation walks it once, so neither needs it in memory. One scan of
the files (checking every record's framing and checksums) keeps the place of each record: 16
bytes a record. `len()` and `[i]` then work as on the list of records `read_serialized`
returns, `[i]` reading that one record with a seek, so everything that takes a
`Sequence[bytes]` of records takes an index unchanged and gives the same result. An index
pickles as its file names and offsets, and reads are safe from several threads (each opens the
file), as the training stream's parallel conversion needs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from serenade.base.tfrecords import DataError, read_framed_files, read_records

_HEADER = 12  # uint64 length + masked CRC of the length


class RecordIndex(Sequence[bytes]):
    """Serialized records of TFRecord files, in file order, read one at a time from disk."""

    def __init__(self, paths: Sequence[str], counts: Sequence[int], offsets: np.ndarray,
                 lengths: np.ndarray):
        self.paths = [str(p) for p in paths]
        self.ends = np.cumsum(np.asarray(counts, np.int64))  # records up to each file's end
        self.offsets = np.asarray(offsets, np.int64)
        self.lengths = np.asarray(lengths, np.int64)

    @classmethod
    def scan(cls, paths: Iterable[str | os.PathLike], *, verify: bool = True) -> "RecordIndex":
        """Index the files (checking each record's checksums unless `verify` is False);
        DataError naming the file when one is missing or damaged."""
        paths = [str(p) for p in paths]
        counts = [0] * len(paths)
        offsets, lengths, position, current = [], [], 0, None
        for number, data, framed in read_framed_files(paths, verify=verify):
            if number != current:
                current, position = number, 0
            counts[number] += 1
            offsets.append(position + _HEADER)
            lengths.append(len(data))
            position += len(framed)
        return cls(paths, counts, np.array(offsets, np.int64),
                   np.array(lengths, np.int64))

    def __len__(self) -> int:
        return len(self.offsets)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = int(index)
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"record {index} of {len(self)}")
        path = self.paths[int(np.searchsorted(self.ends, index, side="right"))]
        length = int(self.lengths[index])
        with open(path, "rb") as handle:
            handle.seek(int(self.offsets[index]))
            data = handle.read(length)
        if len(data) < length:
            raise DataError(f"{path}: record {index} is truncated (the file changed?)")
        return data

    def __iter__(self) -> Iterator[bytes]:
        """Every record in order, reading the files sequentially (checked when indexed)."""
        for path in self.paths:
            yield from read_records(path, verify=False)

    @property
    def nbytes(self) -> int:
        """Memory the index holds (the records stay on disk)."""
        return self.offsets.nbytes + self.lengths.nbytes + self.ends.nbytes

