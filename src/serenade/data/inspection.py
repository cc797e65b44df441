"""Check one MIDI file and describe it: the manifest row plus the labelled NoteSequence.

A file is `invalid` (with a reason) when it is empty, cannot be parsed as MIDI, or holds no
notes. Nothing raises: one bad file never stops the others.
"""

from __future__ import annotations

import hashlib
import os
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from serenade.base import midi_parser
from serenade.base.midi_limits import MAX_FILE_BYTES, MidiLimitError
from serenade.base.tfrecords import frame_record, label_sequence
from serenade.conversion import UnmappedDrumPitch, count_windows
from serenade.conversion.columns import WINDOW_COLUMNS

log = logging.getLogger(__name__)

@dataclass
class Inspection:
    """What the manifest needs to know about one file (see docs/data.md for the columns)."""

    source: str
    path: str
    file: str
    sha256: str = ""
    size_bytes: int | None = None
    status: str = "ok"
    reason: str = ""
    tracks: int | None = None
    programs: str = ""
    notes: int | None = None
    duration_s: float | None = None
    tempos: str = ""
    time_signatures: str = ""
    has_drums: bool | None = None
    windows: dict = field(default_factory=dict)

    def row(self, columns: Iterable[str] = WINDOW_COLUMNS) -> dict:
        row = {key: value for key, value in self.__dict__.items() if key != "windows"}
        for column in columns:
            row[column] = self.windows.get(column)
        return row


def describe(sequence) -> dict:
    """Statistics of a parsed NoteSequence for the manifest."""
    notes = sequence.notes
    return {
        "tracks": len({note.instrument for note in notes}),
        "programs": json.dumps(sorted({note.program for note in notes if not note.is_drum})),
        "notes": len(notes),
        "duration_s": round(sequence.total_time, 3),
        "tempos": json.dumps([round(tempo.qpm, 3) for tempo in sequence.tempos]),
        "time_signatures": json.dumps(
            [f"{signature.numerator}/{signature.denominator}" for signature in sequence.time_signatures]),
        "has_drums": any(note.is_drum for note in notes),
    }


def inspect_midi(data: bytes, *, source: str, path: str, file: str = "", parser: str = "fast",
                 with_window_counts: bool = True,
                 columns: Mapping[str, str] = WINDOW_COLUMNS) -> tuple[Inspection, bytes | None]:
    """Inspect MIDI bytes. Returns the inspection and, for a valid file, the framed TFRecord
    record of its NoteSequence (filename = `path`, collection_name = `source`).
    `columns` ({column: config name}, see `window_columns`) are the windows counted;
    `with_window_counts=False` leaves them empty (a benchmark of conversion alone)."""
    result = Inspection(source=source, path=path, file=file,
                        sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data))
    if not data:
        result.status, result.reason = "invalid", "empty file (0 bytes)"
        return result, None
    if not data.startswith(b"MThd"):
        prefix = data[:4]
        hint = "RIFF MIDI (.rmi) is not supported" if prefix == b"RIFF" else f"starts with {prefix!r}"
        result.status, result.reason = "invalid", f"not a MIDI file (no MThd header; {hint})"
        return result, None
    try:
        if parser == "fast":
            sequence = midi_parser.midi_to_note_sequence(data)
        else:
            sequence = midi_parser.note_seq_to_note_sequence(data)
    except MidiLimitError as error:
        result.status, result.reason = "invalid", f"over a parse cap: {error}"
        return result, None
    except midi_parser.MIDIConversionError as error:
        result.status, result.reason = "invalid", f"cannot parse MIDI: {error}"
        return result, None
    except Exception as error:  # parsers can fail in many ways; report, never crash the batch
        result.status, result.reason = "invalid", f"cannot parse MIDI: {type(error).__name__}: {error}"
        return result, None
    for key, value in describe(sequence).items():
        setattr(result, key, value)
    if not sequence.notes:
        result.status, result.reason = "invalid", "no notes"
        return result, None
    if with_window_counts:
        for column, config_name in columns.items():
            try:
                result.windows[column] = int(count_windows(sequence, config_name))
            except UnmappedDrumPitch as error:  # a GrooVAE config: training leaves it out
                result.windows[column] = 0
                result.reason = (result.reason + "; " if result.reason else "") + (
                    f"{column} is 0: {error} (training leaves the file out)")
            except Exception as error:
                result.reason = (result.reason + "; " if result.reason else "") + (
                    f"{column} not counted: {type(error).__name__}: {error}")
    label_sequence(sequence, path, source)
    return result, frame_record(sequence.SerializeToString())


def inspect_file(job: tuple) -> tuple[dict, bytes | None]:
    """Process-pool entry point: job = (source, display path, file on disk, parser
    [, with_window_counts [, columns]])."""
    source, path, file, parser = job[:4]
    with_window_counts = job[4] if len(job) > 4 else True
    columns = job[5] if len(job) > 5 else WINDOW_COLUMNS
    try:
        with open(file, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_FILE_BYTES:  # any source: a folder's files have no other size cap
                result = Inspection(source=source, path=path, file=file, status="invalid",
                                    size_bytes=size, reason=(
                                        f"over a parse cap: {size:,} bytes, more than the cap "
                                        f"of {MAX_FILE_BYTES:,} on one MIDI file: not read"))
                return result.row(columns), None
            data = handle.read()
    except OSError as error:
        result = Inspection(source=source, path=path, file=file, status="invalid",
                            reason=f"cannot read file: {error.strerror or error}")
        return result.row(columns), None
    result, record = inspect_midi(data, source=source, path=path, file=file, parser=parser,
                                  with_window_counts=with_window_counts, columns=columns)
    return result.row(columns), record
