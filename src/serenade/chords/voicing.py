"""Chords as notes: a soft block-chord part under a generated melody, so that a melody made
over a progression is heard over it (the model reads the chords; it does not play them)."""

from __future__ import annotations

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.chords import encoding

INSTRUMENT = 1  # the melody is instrument 0
LOWEST_ROOT = 48  # C3: roots lie in C3-B3, the chord in close position above its root
HIGHEST_TONE = LOWEST_ROOT + 11 + 8  # the top of B augmented
VELOCITY_SHARE = 0.6  # of the melody's velocity: the chords stay under the melody


def pitches(index: int, octave: int = 0) -> list[int]:
    """MIDI pitches of chord class `index` in close position from its root in C3-B3, moved
    by `octave` octaves (none for N.C.)."""
    found = encoding.triad(int(index))
    if found is None:
        return []
    root, intervals = found
    return [LOWEST_ROOT + 12 * octave + root + interval for interval in intervals]


def octave_under(melody_pitches: list[int]) -> int:
    """0, or -1 when the melody lies low (an alto, tenor or bass line: its median under the
    chords' top), so that the chords sound under it rather than across it."""
    if not melody_pitches:
        return 0
    return -1 if sorted(melody_pitches)[len(melody_pitches) // 2] < HIGHEST_TONE else 0


def add_chord_part(sequence: music_pb2.NoteSequence, chords: np.ndarray,
                   seconds_per_step: float, velocity: int, program: int) -> None:
    """Add a held block chord for each run of equal chord classes [steps] to `sequence`, an
    octave lower under a low melody (`octave_under`)."""
    chords = np.asarray(chords).reshape(-1)
    soft = max(1, round(velocity * VELOCITY_SHARE))
    octave = octave_under([note.pitch for note in sequence.notes])
    start = 0
    for step in range(1, len(chords) + 1):
        if step < len(chords) and chords[step] == chords[start]:
            continue
        for pitch in pitches(chords[start], octave):
            sequence.notes.add(pitch=pitch, velocity=soft, instrument=INSTRUMENT,
                               program=program, start_time=start * seconds_per_step,
                               end_time=step * seconds_per_step)
        start = step
    sequence.total_time = max(sequence.total_time, len(chords) * seconds_per_step)
