"""Transposition augmentation for training, as magenta's NoteSequenceAugmenter.

magenta shifts every pitched note of the whole sequence by one random amount
(inclusive range, e.g. -5..5) before conversion (the melody, chord-melody and
multi-instrument performance configs: one place for all three). Notes pushed
outside the MIDI range 0..127 are deleted (a converter's own pitch filter then
removes those outside its range); drum notes are kept and not shifted; the total
time becomes the end of the last note kept; key signatures and chord symbols
move along. A sequence without notes is left as it is (no amount is drawn).
"""

from __future__ import annotations

import numpy as np
from note_seq import chord_symbols_lib, constants
from note_seq.protobuf import music_pb2

MIDI_MIN_PITCH = 0
MIDI_MAX_PITCH = 127


def transpose(sequence: music_pb2.NoteSequence, amount: int, *,
              min_pitch: int = MIDI_MIN_PITCH, max_pitch: int = MIDI_MAX_PITCH
              ) -> tuple[music_pb2.NoteSequence, int]:
    """A copy of `sequence` shifted by `amount` semitones, and how many notes were deleted."""
    result = music_pb2.NoteSequence()
    result.CopyFrom(sequence)
    del result.notes[:]
    deleted = 0
    end_time = 0.0
    for note in sequence.notes:
        if not (note.is_drum or min_pitch <= note.pitch + amount <= max_pitch):
            deleted += 1
            continue
        moved = result.notes.add()
        moved.CopyFrom(note)
        if not note.is_drum:
            moved.pitch = note.pitch + amount
            moved.pitch_name = music_pb2.NoteSequence.UNKNOWN_PITCH_NAME  # no longer valid
        end_time = max(end_time, note.end_time)
    result.total_time = end_time
    for key in result.key_signatures:
        key.key = (key.key + amount) % 12
    for annotation in result.text_annotations:
        if (annotation.annotation_type == music_pb2.NoteSequence.TextAnnotation.CHORD_SYMBOL
                and annotation.text != constants.NO_CHORD):
            try:
                annotation.text = chord_symbols_lib.transpose_chord_symbol(annotation.text, amount)
            except chord_symbols_lib.ChordSymbolError:
                # magenta's training fails here. note-seq cannot read such a symbol as a chord
                # at all: a converter that reads chords rejects the windows under it in any
                # key, the others ignore it.
                pass
    return result, deleted


def transposed(sequence: music_pb2.NoteSequence, amount: int) -> music_pb2.NoteSequence:
    """The sequence a training draw of `amount` converts. At 0 the sequence itself: magenta's
    augmenter still transposes by 0, which only ends total_time at the last note, and trailing
    time without notes gives no window."""
    return transpose(sequence, amount)[0] if amount else sequence


def check_range(transpose_range: tuple[int, int] | None) -> None:
    """ValueError for an empty range (a converter setting checked when built, not at a draw)."""
    if transpose_range is not None and transpose_range[0] > transpose_range[1]:
        raise ValueError(f"empty transpose range {transpose_range}")


def random_amount(low: int, high: int, rng: np.random.Generator) -> int:
    """A transposition drawn uniformly from low..high inclusive."""
    if low > high:
        raise ValueError(f"transpose range {low}..{high} is empty")
    return int(rng.integers(low, high + 1))
