"""Drum windows -> NoteSequence, as magenta's DrumsConverter decodes (melody's `write_midi`
writes it as a MIDI file, the drum notes on channel 10).

Each hit class becomes its exemplar pitch (the first pitch of the class: 36
kick, 38 snare, 42 closed hi-hat, ...) as a one-step note with is_drum=True on
instrument 9 (MIDI channel 10), program 0, velocity 80 (magenta's
OUTPUT_VELOCITY), at 120 qpm. `window_to_magenta_sequence` gives exactly the
proto magenta's `from_tensors` makes for one window (one tempo, no time
signature, 220 ticks per quarter, notes step by step); `windows_to_note_sequence`
lays several windows end to end and adds the 4/4 time signature.
"""

from __future__ import annotations

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.drums.classes import PitchClasses
from serenade.drums.encoding import classes_of
from serenade.melody.rendering import check_rendering

STANDARD_PPQ = 220
OUTPUT_VELOCITY = 80
DRUM_INSTRUMENT = 9


def _add_window(sequence: music_pb2.NoteSequence, events, pitch_classes: PitchClasses,
                seconds_per_step: float, first_step: int, velocity: int, instrument: int,
                program: int) -> None:
    for index, mask in enumerate(np.asarray(events, dtype=np.int64).tolist()):
        classes = classes_of(mask)
        if classes and max(classes) >= pitch_classes.num_classes:
            raise ValueError(f"mask {mask} names a class beyond the "
                             f"{pitch_classes.num_classes} {pitch_classes.name} classes")
        step = first_step + index
        # iterate a frozenset of pitches, as magenta does: same note order within a step
        for pitch in frozenset(pitch_classes.exemplar(c) for c in classes):
            sequence.notes.add(pitch=pitch, velocity=velocity, instrument=instrument,
                               program=program, is_drum=True,
                               start_time=step * seconds_per_step + 0.0,
                               end_time=(step + 1) * seconds_per_step + 0.0)


def window_to_magenta_sequence(events, pitch_classes: PitchClasses, *, steps_per_quarter: int = 4,
                               qpm: float = 120.0, velocity: int = OUTPUT_VELOCITY,
                               instrument: int = DRUM_INSTRUMENT,
                               program: int = 0) -> music_pb2.NoteSequence:
    """One window of masks [steps] -> the NoteSequence magenta's decoder writes for it."""
    check_rendering(velocity, program, qpm)
    sequence = music_pb2.NoteSequence()
    sequence.tempos.add().qpm = qpm
    sequence.ticks_per_quarter = STANDARD_PPQ
    _add_window(sequence, events, pitch_classes, 60.0 / qpm / steps_per_quarter, 0, velocity,
                instrument, program)
    if sequence.notes:
        sequence.total_time = sequence.notes[-1].end_time
    return sequence


def windows_to_note_sequence(windows, pitch_classes: PitchClasses, *, steps_per_quarter: int = 4,
                             quarters_per_bar: int = 4, qpm: float = 120.0,
                             velocity: int = OUTPUT_VELOCITY, instrument: int = DRUM_INSTRUMENT,
                             program: int = 0) -> music_pb2.NoteSequence:
    """Masks [steps] or [n, steps] -> one NoteSequence, windows one after another."""
    rows = np.asarray(windows, dtype=np.int64)
    if rows.ndim == 1:
        rows = rows[None, :]
    if rows.ndim != 2:
        raise ValueError(f"expected masks [steps] or [n, steps], got shape {rows.shape}")
    check_rendering(velocity, program, qpm)
    sequence = music_pb2.NoteSequence()
    sequence.ticks_per_quarter = STANDARD_PPQ
    sequence.tempos.add(time=0.0, qpm=qpm)
    sequence.time_signatures.add(time=0.0, numerator=quarters_per_bar, denominator=4)
    seconds_per_step = 60.0 / qpm / steps_per_quarter
    for index, row in enumerate(rows):
        _add_window(sequence, row, pitch_classes, seconds_per_step, index * rows.shape[1],
                    velocity, instrument, program)
    sequence.total_time = max((n.end_time for n in sequence.notes), default=0.0)
    return sequence
