import numpy as np

from serenade.generation.notes import Note, pitches, transposition_key, window_notes
from serenade.melody import events as ev


def _window(tokens, steps=16):
    row = np.zeros(steps, np.int16)
    for step, token in tokens:
        row[step] = ev.NOTE_OFF if token == "off" else ev.note_on(token)
    return row


def test_window_notes_hold_until_next_event_or_end():
    row = _window([(0, 60), (4, 62), (6, "off"), (8, 64)])
    assert window_notes(row) == [Note(60, 0, 4), Note(62, 4, 6), Note(64, 8, 16)]
    assert pitches(row).tolist() == [60, 62, 64]
    assert window_notes(np.zeros(16, np.int16)) == []


def test_transposition_key_ignores_transposition_only():
    a = _window([(0, 60), (4, 64), (8, "off")])
    up = _window([(0, 65), (4, 69), (8, "off")])
    other_rhythm = _window([(0, 60), (5, 64), (8, "off")])
    other_interval = _window([(0, 60), (4, 63), (8, "off")])
    assert transposition_key(a) == transposition_key(up)
    assert transposition_key(a) != transposition_key(other_rhythm)
    assert transposition_key(a) != transposition_key(other_interval)
