"""Which tracks of a piece are melody, bass and drums, and in which bars each one plays.

magenta's trio converter classifies every track (note-seq instrument number 0..127)
by its notes: drum notes make a drum track, programs 0..31 (piano, chromatic
percussion, organ, guitar) a melody track, programs 32..39 a bass track. A track
whose notes fall in two classes, or in none (any other program), is invalid and
ignored. A track covers a bar when one of its notes sounds in it (every note
counts here, even notes the part encoders later drop); gaps of up to `gap_bars`
bars are then bridged on both sides.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

import numpy as np

from serenade.melody.pieces import QuantizedNote

MELODY_PROGRAMS = range(0, 32)
BASS_PROGRAMS = range(32, 40)
MAX_INSTRUMENT = 127  # magenta skips notes of higher instrument numbers


class Kind(enum.IntEnum):
    """A track's class; the values are magenta's `TrioConverter.InstrumentType`."""

    MELODY = 1
    BASS = 2
    DRUMS = 3
    INVALID = 4

    @property
    def label(self) -> str:
        return {Kind.MELODY: "melody", Kind.BASS: "bass", Kind.DRUMS: "drum",
                Kind.INVALID: "unusable"}[self]


def note_kind(note: QuantizedNote) -> Kind:
    if note.is_drum:
        return Kind.DRUMS
    if note.program in MELODY_PROGRAMS:
        return Kind.MELODY
    if note.program in BASS_PROGRAMS:
        return Kind.BASS
    return Kind.INVALID


def classify(notes: Iterable[QuantizedNote]) -> dict[int, Kind]:
    """Kind of every track that has notes (instrument numbers above 127 are skipped)."""
    kinds: dict[int, Kind] = {}
    for note in notes:
        if note.instrument > MAX_INSTRUMENT or note.instrument < 0:
            continue
        kind = note_kind(note)
        if kinds.setdefault(note.instrument, kind) != kind:
            kinds[note.instrument] = Kind.INVALID
    return kinds


def coverage(notes: Iterable[QuantizedNote], total_bars: int, steps_per_bar: int
             ) -> np.ndarray:
    """bool [total_bars, 128]: whether a note of track i sounds in bar j."""
    covered = np.zeros((total_bars, MAX_INSTRUMENT + 1), dtype=bool)
    for note in notes:
        if note.instrument > MAX_INSTRUMENT or note.instrument < 0:
            continue
        start_bar = note.start // steps_per_bar
        end_bar = -(-note.end // steps_per_bar)
        if start_bar < total_bars:
            covered[start_bar:min(end_bar, total_bars), note.instrument] = True
    return covered


def bridge_gaps(covered: np.ndarray, gap_bars: int) -> np.ndarray:
    """A bar counts as covered when a bar within `gap_bars` on either side is."""
    total_bars = covered.shape[0]
    bridged = np.zeros_like(covered)
    for bar in range(total_bars):
        bridged[bar] = covered[max(0, bar - gap_bars):min(total_bars, bar + gap_bars) + 1].any(0)
    return bridged


def group_coverage(bridged: np.ndarray, group: Sequence[int], gap_bars: int) -> np.ndarray:
    """bool [total_bars]: bars where every track of `group` plays (after bridging).

    As magenta, the first and last `gap_bars` bars count as covered for the whole
    group as soon as any track of the group plays anywhere in them.
    """
    columns = bridged[:, list(group)]
    together = columns.all(axis=1)
    together[:gap_bars] = columns[:gap_bars].any()
    together[-gap_bars:] = columns[-gap_bars:].any()  # with gap_bars 0: every bar, as magenta
    return together


def runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, last) index of every run of True values."""
    found, start = [], None
    for i, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            found.append((start, i - 1))
            start = None
    return found
