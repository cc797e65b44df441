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


def test_onset_accuracy_counts_only_note_on_steps():
    c4, d4 = ev.note_on(60), ev.note_on(62)
    target = np.array([[c4, 0, 0, 0, d4, 0, ev.NOTE_OFF, 0]])
    all_holds = np.zeros_like(target)
    assert ev.onset_accuracy(target, all_holds) == 0.0
    assert np.mean(all_holds == target) == 0.625  # all-step accuracy hides it
    half = target.copy()
    half[0, 4] = ev.note_on(64)
    assert ev.onset_accuracy(target, half) == 0.5
    assert ev.onset_accuracy(target, target) == 1.0
    assert np.isnan(ev.onset_accuracy(np.zeros((1, 4)), np.zeros((1, 4))))
    with pytest.raises(ValueError, match="shape"):
        ev.onset_accuracy(target, target[:, :4])


def test_no_event_share_is_the_always_hold_baseline():
    windows = np.array([[ev.note_on(60), 0, 0, ev.NOTE_OFF], [0, 0, ev.note_on(70), 0]])
    assert ev.no_event_share(windows) == 5 / 8
