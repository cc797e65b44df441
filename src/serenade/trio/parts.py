"""The melody and bass parts of a trio: one melody per track over the whole piece.

magenta encodes each melody-class and bass-class track with its melody converter set
to never end a melody on silence (no gap limit) and to pad it to the piece's length:
the track's notes in the piano range 21..108 become one monophonic line (highest
note where several start together, later notes cut earlier ones), no-events before
its first bar and after its end, a note-off where a note still sounds at the end of
the line. A track with no usable note (all out of range, or velocity 0) gives none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from serenade.melody import events as ev
from serenade.melody.extraction import _extend, extract_track_melodies
from serenade.melody.pieces import QuantizedNote


def melody_part(notes: Sequence[QuantizedNote], total_steps: int, steps_per_bar: int, *,
                min_pitch: int = ev.MIN_PITCH, max_pitch: int = ev.MAX_PITCH
                ) -> np.ndarray | None:
    """Event classes int16 [total_steps] of one track, or None when it gives no melody."""
    kept = [n for n in notes if min_pitch <= n.pitch <= max_pitch]
    if not kept:
        return None
    found = extract_track_melodies(kept, steps_per_bar, gap_bars=None, min_bars=1)
    if not found.melodies:
        return None
    melody = found.melodies[0]  # without a gap limit a track holds a single melody
    events = [ev.RAW_NO_EVENT] * melody.start_step + list(melody.events)
    if len(events) < total_steps:
        _extend(events, total_steps)
    return ev.encode(events[:total_steps])
