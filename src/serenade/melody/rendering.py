"""Windows of melody events -> NoteSequence -> MIDI file.

A note-on starts a note that lasts until the next note-on, a note-off, or the
end of its window (no-events hold). Windows given together are laid end to
end. The output has one tempo, a 4/4 time signature, and one instrument whose
program, velocity and tempo are settable (defaults: piano, 80, 120 qpm, as
magenta's decoder).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from note_seq import midi_io
from note_seq.protobuf import music_pb2

from serenade.melody import events as ev

STANDARD_PPQ = 220  # ticks per quarter note note-seq writes


def check_rendering(velocity: int, program: int, qpm: float) -> None:
    """ValueError for a velocity, General MIDI program or tempo no MIDI file can hold."""
    if not 1 <= velocity <= 127:
        raise ValueError(f"velocity {velocity} is outside 1..127")
    if not 0 <= program <= 127:
        raise ValueError(f"program {program} is outside 0..127")
    if qpm <= 0:
        raise ValueError(f"tempo must be positive, got {qpm} qpm")


def windows_to_note_sequence(windows: np.ndarray, *, steps_per_quarter: int = 4,
                             quarters_per_bar: int = 4, qpm: float = 120.0,
                             velocity: int = 80, program: int = 0,
                             instrument: int = 0) -> music_pb2.NoteSequence:
    """Class-index windows [steps] or [n, steps] -> one NoteSequence."""
    rows = np.asarray(windows)
    if rows.ndim == 1:
        rows = rows[None, :]
    if rows.ndim != 2:
        raise ValueError(f"expected events [steps] or [n, steps], got shape {rows.shape}")
    if rows.size and (rows.min() < 0 or rows.max() >= ev.NUM_CLASSES):
        raise ValueError(f"event classes must lie in 0..{ev.NUM_CLASSES - 1}")
    check_rendering(velocity, program, qpm)

    seconds_per_step = 60.0 / qpm / steps_per_quarter
    sequence = music_pb2.NoteSequence()
    sequence.ticks_per_quarter = STANDARD_PPQ
    sequence.tempos.add(time=0.0, qpm=qpm)
    sequence.time_signatures.add(time=0.0, numerator=quarters_per_bar, denominator=4)
    steps = rows.shape[1]
    for index, row in enumerate(rows.tolist()):
        offset = index * steps
        sounding = None
        for step, event in enumerate(row):
            if event == ev.NO_EVENT:
                continue
            if sounding is not None:
                sounding.end_time = (offset + step) * seconds_per_step
                sounding = None
            if event >= ev.FIRST_NOTE_ON:
                sounding = sequence.notes.add(
                    pitch=ev.pitch_of(event), velocity=velocity, program=program,
                    instrument=instrument, start_time=(offset + step) * seconds_per_step)
        if sounding is not None:
            sounding.end_time = (offset + steps) * seconds_per_step
    sequence.total_time = (sequence.notes[-1].end_time if sequence.notes else 0.0)
    return sequence


def write_midi(sequence: music_pb2.NoteSequence, path: str | Path) -> Path:
    """Write `sequence` as a MIDI file (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    midi_io.note_sequence_to_midi_file(sequence, str(path))
    return path
