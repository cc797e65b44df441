"""Melody event windows -> notes (pitch, start step, end step), the unit every measure uses.

The same reading as the converter's rendering: a note-on starts a note that lasts until the
next note-on, a note-off or the end of the window; no-events hold.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from serenade.melody import events as ev


class Note(NamedTuple):
    pitch: int
    start: int  # step (sixteenth note) within the window
    end: int  # exclusive


def window_notes(events: np.ndarray) -> list[Note]:
    """Notes of one window of class indices [steps]."""
    row = np.asarray(events).reshape(-1).tolist()
    notes: list[Note] = []
    pitch = start = None
    for step, event in enumerate(row):
        if event == ev.NO_EVENT:
            continue
        if pitch is not None:
            notes.append(Note(pitch, start, step))
            pitch = None
        if event >= ev.FIRST_NOTE_ON:
            pitch, start = event - ev.FIRST_NOTE_ON + ev.MIN_PITCH, step
    if pitch is not None:
        notes.append(Note(pitch, start, len(row)))
    return notes


def pitches(events: np.ndarray) -> np.ndarray:
    """Pitches of the note-ons of one window, in order (int array)."""
    row = np.asarray(events).reshape(-1)
    onsets = row[row >= ev.FIRST_NOTE_ON]
    return (onsets.astype(np.int64) - ev.FIRST_NOTE_ON + ev.MIN_PITCH)


def transposition_key(events: np.ndarray) -> bytes:
    """A key equal for two windows exactly when one is a transposition of the other.

    Note-ons are shifted so the lowest pitch of the window becomes class FIRST_NOTE_ON; holds
    and note-offs stay. Used by the memorisation rate.
    """
    row = np.asarray(events, dtype=np.int16).reshape(-1).copy()
    on = row >= ev.FIRST_NOTE_ON
    if on.any():
        row[on] -= row[on].min() - ev.FIRST_NOTE_ON
    return row.tobytes()
