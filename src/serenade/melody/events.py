"""The 90-class melody event encoding shared by the converter and the models.

One event per sixteenth note: 0 = no event (hold the sounding note, or keep
silence), 1 = note off, 2 + pitch - 21 = note on for MIDI pitch 21..108.

Melody extraction works on "raw" melody events, as note-seq's `Melody` does:
a MIDI pitch (>= 0) for a note on, RAW_NOTE_OFF and RAW_NO_EVENT otherwise.
`encode` turns raw events into classes, `decode` goes back.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

NUM_CLASSES = 90
NO_EVENT = 0
NOTE_OFF = 1
FIRST_NOTE_ON = 2
MIN_PITCH = 21
MAX_PITCH = 108

# Raw melody values, the same numbers as note-seq's Melody.
RAW_NOTE_OFF = -1
RAW_NO_EVENT = -2


def note_on(pitch: int) -> int:
    """Class index of the note-on event for `pitch` (21..108)."""
    if not MIN_PITCH <= pitch <= MAX_PITCH:
        raise ValueError(f"pitch {pitch} is outside {MIN_PITCH}..{MAX_PITCH}")
    return FIRST_NOTE_ON + pitch - MIN_PITCH


def pitch_of(event: int) -> int | None:
    """MIDI pitch of a note-on class, None for no-event and note-off."""
    if not 0 <= event < NUM_CLASSES:
        raise ValueError(f"event {event} is outside 0..{NUM_CLASSES - 1}")
    return None if event < FIRST_NOTE_ON else event - FIRST_NOTE_ON + MIN_PITCH


def encode(raw_events: Iterable[int]) -> np.ndarray:
    """Raw melody events -> class indices (int16 array)."""
    raw = np.asarray(list(raw_events) if not isinstance(raw_events, np.ndarray) else raw_events,
                     dtype=np.int64)
    if raw.size and ((raw >= 0) & ((raw < MIN_PITCH) | (raw > MAX_PITCH))).any():
        bad = raw[(raw >= 0) & ((raw < MIN_PITCH) | (raw > MAX_PITCH))][0]
        raise ValueError(f"pitch {bad} is outside {MIN_PITCH}..{MAX_PITCH}")
    if raw.size and (raw < min(RAW_NOTE_OFF, RAW_NO_EVENT)).any():
        raise ValueError(f"unknown raw melody event {raw[raw < min(RAW_NOTE_OFF, RAW_NO_EVENT)][0]}")
    classes = np.where(raw >= 0, raw - MIN_PITCH + FIRST_NOTE_ON,
                       np.where(raw == RAW_NOTE_OFF, NOTE_OFF, NO_EVENT))
    return classes.astype(np.int16)


def decode(classes: Iterable[int]) -> list[int]:
    """Class indices -> raw melody events."""
    raw = []
    for event in np.asarray(classes).reshape(-1).tolist():
        pitch = pitch_of(int(event))
        raw.append(pitch if pitch is not None else
                   (RAW_NOTE_OFF if event == NOTE_OFF else RAW_NO_EVENT))
    return raw


def describe(classes: Iterable[int]) -> str:
    """Readable text for a window, one token per step: pitch number, '-' hold, '.' off."""
    tokens = []
    for event in np.asarray(classes).reshape(-1).tolist():
        pitch = pitch_of(int(event))
        tokens.append(str(pitch) if pitch is not None else ("." if event == NOTE_OFF else "-"))
    return " ".join(tokens)
