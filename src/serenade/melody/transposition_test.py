import numpy as np
import pytest
from note_seq import midi_io, sequences_lib
from note_seq.protobuf import music_pb2

from serenade.melody.transposition import random_amount, transpose

from testing.fixtures import magenta_fixture


def small_sequence():
    sequence = music_pb2.NoteSequence()
    sequence.notes.add(pitch=125, velocity=80, start_time=0.0, end_time=3.0)
    sequence.notes.add(pitch=60, velocity=80, start_time=0.5, end_time=1.0)
    sequence.notes.add(pitch=36, velocity=80, start_time=1.0, end_time=1.5, is_drum=True)
    sequence.key_signatures.add(key=10)
    sequence.total_time = 3.0
    return sequence


def test_notes_pushed_out_of_range_are_deleted_drums_stay():
    sequence = small_sequence()
    moved, deleted = transpose(sequence, 5)
    assert deleted == 1
    assert [(n.pitch, n.is_drum) for n in moved.notes] == [(65, False), (36, True)]
    assert moved.total_time == 1.5  # end of the last note kept
    assert moved.key_signatures[0].key == 3
    assert len(sequence.notes) == 3  # the input is left alone


def test_same_as_note_seq_transpose_on_real_midi():
    case = magenta_fixture("cat-mel_2bar_small")["cases"][11]
    sequence = midi_io.midi_file_to_note_sequence(str(case["path"]))
    for amount in (-40, -5, 0, 3, 50):
        ours, deleted = transpose(sequence, amount)
        theirs, their_deleted = sequences_lib.transpose_note_sequence(sequence, amount, 0, 127)
        assert deleted == their_deleted
        assert ours == theirs


def test_random_amount_covers_the_inclusive_range():
    rng = np.random.default_rng(5)
    amounts = {random_amount(-2, 2, rng) for _ in range(100)}
    assert amounts == {-2, -1, 0, 1, 2}
    with pytest.raises(ValueError):
        random_amount(2, -2, rng)
