"""Convert many MIDI files or NoteSequences to windows of any config on a pool of processes.

Each file is independent, so the work spreads over processes (one per core by default, see
`serenade.base.pool`); results come back in input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.base.midi_parser import read_midi
from serenade.base.pool import ordered_map
from serenade.conversion import controls as ctl
from serenade.conversion.converters import converter_for_config


@dataclass
class FileWindows:
    """Windows of one input and, when it gives none, why."""

    path: str
    windows: np.ndarray  # [n, window_steps] of `bit_inputs.window_dtype` (int16 or int64)
    explanation: str = ""  # why there are no windows ('' when there are)
    track_problems: list[str] = field(default_factory=list)  # "track 2 'Drums' (drums): ..."
    error: str = ""  # the file could not be read
    controls: np.ndarray | None = None  # int16 [n, window_steps] control classes (chords), if any

    @property
    def ok(self) -> bool:
        return not self.error


def windows_for_sequence(sequence, config_name: str, path: str = "") -> FileWindows:
    """Every window of one NoteSequence (inference order), with diagnostics."""
    converted, report = converter_for_config(config_name).extract(sequence)
    windows, controls = ctl.split(converted)
    return FileWindows(path=path, windows=windows, explanation=report.explain(),
                       track_problems=report.track_problems(), controls=controls)


def windows_for_file(path: str | Path, config_name: str) -> FileWindows:
    """Read one MIDI file and extract its windows; a read error is reported, not raised."""
    try:
        sequence = read_midi(path)
    except ValueError as error:
        steps = converter_for_config(config_name).window_steps
        return FileWindows(path=str(path), windows=np.zeros((0, steps), np.int16),
                           error=str(error))
    return windows_for_sequence(sequence, config_name, str(path))


def _windows_for_serialized(data: bytes, config_name: str) -> FileWindows:
    sequence = music_pb2.NoteSequence.FromString(data)
    return windows_for_sequence(sequence, config_name, sequence.filename or sequence.id)


def windows_for_files(paths: Iterable[str | Path], config_name: str,
                      workers: int | None = None) -> list[FileWindows]:
    """Windows of every MIDI file, in input order; `workers` processes (default: one per core)."""
    converter_for_config(config_name)  # fail early on an unknown name
    paths = [str(p) for p in paths]
    return ordered_map(windows_for_file, paths, config_name, workers=workers)


def windows_for_sequences(sequences: Sequence, config_name: str,
                          workers: int | None = None) -> list[FileWindows]:
    """Windows (and chords) of every NoteSequence (protos or serialized bytes), in input
    order."""
    converter_for_config(config_name)  # fail early on an unknown name
    data = [s if isinstance(s, bytes) else s.SerializeToString() for s in sequences]
    return ordered_map(_windows_for_serialized, data, config_name, workers=workers)
