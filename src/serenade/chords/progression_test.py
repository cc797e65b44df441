import numpy as np
import pytest
from note_seq import sequences_lib
from note_seq.protobuf import music_pb2

from serenade.chords.progression import (CHORD_SYMBOL, NO_CHORD, ChordProblem, chords_at,
                                         ensure_chords, step_chords)


def quantized(chords=(), notes=((60, 0.0, 2.0),), total_time=2.0):
    sequence = music_pb2.NoteSequence(total_time=total_time)
    sequence.tempos.add(qpm=120)
    for pitch, start, end in notes:
        sequence.notes.add(pitch=pitch, start_time=start, end_time=end, velocity=80)
    for time, text in chords:
        sequence.text_annotations.add(time=time, text=text, annotation_type=CHORD_SYMBOL)
    return sequences_lib.quantize_note_sequence(sequence, 4)  # 8 steps per second


def test_chords_hold_until_the_next_and_pad_past_the_end():
    chords = step_chords(quantized([(0.25, "C"), (1.0, "G7"), (1.0, "G7"), (2.5, "F")]))
    assert chords == [NO_CHORD] * 2 + ["C"] * 6 + ["G7"] * 8  # F (after the end) is ignored
    assert chords_at(chords, [15, 16, 40]) == ("G7", "G7", "G7")


def test_two_chords_on_one_step_are_an_error():
    with pytest.raises(ChordProblem, match="same step"):
        step_chords(quantized([(1.0, "C"), (1.0, "Am")]))


def test_inference_only_when_there_are_no_chords():
    annotated = quantized([(0.0, "D")])
    assert not ensure_chords(annotated)
    bare = quantized(notes=((60, 0.0, 2.0), (64, 0.0, 2.0), (67, 0.0, 2.0)))
    assert ensure_chords(bare) and step_chords(bare)[0] == "C"
    with pytest.raises(ChordProblem, match="inferred"):
        ensure_chords(quantized(notes=(), total_time=0.0))  # empty


def test_the_inference_transition_matrix_is_built_once_and_unchanged():
    from note_seq import chord_inference

    from serenade.chords import progression

    distribution = chord_inference._key_chord_distribution(0.01)
    first = chord_inference._key_chord_transition_distribution(distribution, 0.001, 0.5)
    again = chord_inference._key_chord_transition_distribution(distribution.copy(), 0.001, 0.5)
    assert again is first and not first.flags.writeable
    np.testing.assert_array_equal(first, progression._build_transitions(distribution, 0.001, 0.5))
