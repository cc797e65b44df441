import numpy as np
import pytest

from serenade.melody import events as ev


def test_agreed_constants():
    assert (ev.NUM_CLASSES, ev.NO_EVENT, ev.NOTE_OFF, ev.MIN_PITCH, ev.MAX_PITCH) == (90, 0, 1, 21, 108)
    assert ev.note_on(21) == 2
    assert ev.note_on(60) == 41
    assert ev.note_on(108) == 89


@pytest.mark.parametrize("pitch", [20, 109])
def test_note_on_outside_range(pitch):
    with pytest.raises(ValueError, match=str(pitch)):
        ev.note_on(pitch)


def test_encode_decode_round_trip():
    raw = [60, ev.RAW_NO_EVENT, ev.RAW_NOTE_OFF, 21, 108, ev.RAW_NO_EVENT]
    classes = ev.encode(raw)
    assert classes.dtype == np.int16
    assert classes.tolist() == [41, 0, 1, 2, 89, 0]
    assert ev.decode(classes) == raw
    assert [ev.pitch_of(c) for c in classes.tolist()] == [60, None, None, 21, 108, None]


def test_encode_rejects_unencodable_pitch():
    with pytest.raises(ValueError, match="pitch 10"):
        ev.encode([10])


def test_describe_is_readable():
    assert ev.describe([41, 0, 1]) == "60 - ."


def test_raw_values_match_note_seq_melody():
    from note_seq import constants

    assert (ev.RAW_NOTE_OFF, ev.RAW_NO_EVENT) == (constants.MELODY_NOTE_OFF, constants.MELODY_NO_EVENT)
