"""TFRecord files of serialized note_seq.NoteSequence protos, as magenta writes them.

The TFRecord framing (little-endian uint64 length, masked CRC-32C of the length, data, masked
CRC-32C of the data) is simple enough to write and read without importing TensorFlow, which
keeps data jobs light; `tfrecords_test.py` checks both directions against TensorFlow's own
reader and writer. Each record's id follows magenta's convert_dir_to_note_sequences:
`/id/midi/<collection_name>/<sha1 of the file name>`.
"""

from __future__ import annotations

import glob
import hashlib
import os
import struct
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

import google_crc32c
from note_seq.protobuf import music_pb2


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), in C: a Lakh-sized dataset has gigabytes of records to check."""
    return google_crc32c.value(data)


def masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    """One record with its TFRecord framing (what gets appended to the file)."""
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc(length)) + data + struct.pack("<I", masked_crc(data))


def write_framed(path: str | os.PathLike, framed_records: Iterable[bytes]) -> int:
    """Write already framed records to `path` (via a temporary name); return the count."""
    return spread_framed([path], ((0, framed) for framed in framed_records))[0]


def spread_framed(paths: Sequence[str | os.PathLike],
                  placed_records: Iterable[tuple[int, bytes]]) -> list[int]:
    """Write each (i, framed record) to `paths[i]` as it comes, every file open at once and
    written under a temporary name until all are done; return the count per file."""
    paths = [Path(path) for path in paths]
    temporaries = [path.with_name(path.name + ".tmp") for path in paths]
    counts = [0] * len(paths)
    with ExitStack() as stack:
        handles = []
        for temporary in temporaries:
            temporary.parent.mkdir(parents=True, exist_ok=True)
            handles.append(stack.enter_context(open(temporary, "wb")))
        for index, framed in placed_records:
            handles[index].write(framed)
            counts[index] += 1
    for temporary, path in zip(temporaries, paths):
        os.replace(temporary, path)
    return counts


def write_records(path: str | os.PathLike, records: Iterable[bytes]) -> int:
    return write_framed(path, (frame_record(record) for record in records))


def read_framed(path: str | os.PathLike, *, verify: bool = True) -> Iterator[tuple[bytes, bytes]]:
    """Yield (data, framed record) for each record; raise ValueError on a damaged file."""
    with open(path, "rb") as handle:
        index = 0
        while True:
            header = handle.read(12)
            if not header:
                return
            if len(header) < 12:
                raise ValueError(f"{path}: record {index} is truncated (header)")
            (length,) = struct.unpack("<Q", header[:8])
            if verify and struct.unpack("<I", header[8:])[0] != masked_crc(header[:8]):
                raise ValueError(f"{path}: record {index} has a bad length checksum")
            body = handle.read(length + 4)
            if len(body) < length + 4:
                raise ValueError(f"{path}: record {index} is truncated (data)")
            data = body[:length]
            if verify and struct.unpack("<I", body[length:])[0] != masked_crc(data):
                raise ValueError(f"{path}: record {index} has a bad data checksum")
            yield data, header + body
            index += 1


def read_records(path: str | os.PathLike, *, verify: bool = True) -> Iterator[bytes]:
    for data, _ in read_framed(path, verify=verify):
        yield data


class DataError(ValueError):
    """Data that cannot be used, with the files and the reason."""


def read_framed_files(paths: Iterable[str | os.PathLike], *,
                      verify: bool = True) -> Iterator[tuple[int, bytes, bytes]]:
    """(file's number in `paths`, data, framed record) of every record of the TFRecord files,
    in order; DataError naming the file when one is missing (checked before any is read) or
    damaged."""
    paths = [str(p) for p in paths]
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise DataError(f"TFRecord file(s) not found: {', '.join(missing)}")
    for number, path in enumerate(paths):
        try:
            for data, framed in read_framed(path, verify=verify):
                yield number, data, framed
        except ValueError as error:
            raise DataError(f"{path}: not a readable TFRecord file ({error})") from None


def read_serialized(paths: Iterable[str | os.PathLike]) -> list[bytes]:
    """Every record (a serialized NoteSequence) of the TFRecord files, in order; DataError
    naming the file when one is missing or damaged."""
    return [data for _, data, _ in read_framed_files(paths)]


def read_note_sequences(paths: str | os.PathLike | Iterable[str | os.PathLike], *,
                        verify: bool = True) -> Iterator[music_pb2.NoteSequence]:
    """NoteSequences from one or more TFRecord files (or globs), in file order."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for pattern in paths:
        matches = sorted(glob.glob(str(pattern))) if glob.has_magic(str(pattern)) else [pattern]
        for path in matches:
            for data in read_records(path, verify=verify):
                yield music_pb2.NoteSequence.FromString(data)


def write_note_sequences(path: str | os.PathLike, sequences: Iterable[music_pb2.NoteSequence]) -> int:
    return write_records(path, (sequence.SerializeToString() for sequence in sequences))


def note_sequence_id(filename: str, collection_name: str, source_type: str = "midi") -> str:
    """magenta's sequence id: '/id/<type>/<collection name>/<sha1 of filename>'."""
    return f"/id/{source_type.lower()}/{collection_name}/{hashlib.sha1(filename.encode('utf-8')).hexdigest()}"


def label_sequence(sequence: music_pb2.NoteSequence, filename: str, collection_name: str) -> None:
    """Set filename, collection_name and id the way convert_dir_to_note_sequences does."""
    sequence.filename = filename
    sequence.collection_name = collection_name
    sequence.id = note_sequence_id(filename, collection_name)
