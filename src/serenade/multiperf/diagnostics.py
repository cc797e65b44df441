"""Why a sequence, or one track of it, gives no multi-instrument performance windows.

The converter fills a `MultiPerformanceReport` while it extracts windows: the pieces (a tempo or
time-signature change starts one), and for every bar that gives no window, why (fewer than
`min_num_instruments` instruments play in it, too many, a track with too many events, ...).
`explain()` turns it into sentences: a piece played by one instrument says "only 1 instrument
plays (track 0 'Piano' (program 0)); a window needs at least 2 instruments in the same bar".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from serenade.melody.diagnostics import TrackCounts, TrackedReport, sequence_reason
from serenade.melody.pieces import Piece


def few_instruments(count: int, minimum: int) -> str:
    return (f"fewer than {minimum} instruments play in the bar ({count}); a multi-instrument "
            f"window needs at least {minimum}")


@dataclass
class MultiPerformanceTrack(TrackCounts):
    """One track over all pieces."""

    windows: int = 0  # windows it is part of


@dataclass
class MultiPerformanceReport(TrackedReport):
    """What the multiperf converter found in one NoteSequence."""

    TRACK = MultiPerformanceTrack

    min_num_instruments: int
    max_num_instruments: int
    notes: int = 0
    pieces: list[Piece] = field(default_factory=list)
    tracks: dict[int, MultiPerformanceTrack] = field(default_factory=dict)
    bar_reasons: Counter = field(default_factory=Counter)  # reason -> bars
    windows: int = 0

    def _too_few_instruments(self) -> str | None:
        """The reason when the whole sequence has fewer instruments than a window needs."""
        playing = [track for track in self.tracks.values() if track.notes]
        if len(playing) >= self.min_num_instruments:
            return None
        names = ", ".join(track.label() for track in sorted(playing, key=lambda t: t.instrument))
        return (f"only {len(playing)} instrument{'s' if len(playing) != 1 else ''} "
                f"play{'s' if len(playing) == 1 else ''} ({names}); a multi-instrument window "
                f"needs at least {self.min_num_instruments} instruments in the same bar")

    def _bars_text(self) -> str:
        return "; ".join(f"{reason} ({bars} bar{'s' if bars != 1 else ''})"
                         for reason, bars in self.bar_reasons.most_common())

    def track_reasons(self) -> list[tuple[MultiPerformanceTrack, str]]:
        """(track, reason) for every track that is part of no window, by track number."""
        found = []
        for track in sorted(self.tracks.values(), key=lambda t: t.instrument):
            if track.windows:
                continue
            reason = (self._too_few_instruments() or
                      (self.piece_problems() if all(p.problem for p in self.pieces) else "") or
                      self._bars_text() or "no window found")
            found.append((track, reason))
        return found

    def why_track(self, instrument: int) -> str:
        """Why track `instrument` is part of no window ('' when it is part of some)."""
        if instrument not in self.tracks:
            return "there is no such track"
        return next((reason for track, reason in self.track_reasons()
                     if track.instrument == instrument), "")

    def explain(self) -> str:
        """Why the sequence gives no windows; '' when it gives some."""
        whole = sequence_reason(self.windows, self.notes, self.pieces)
        if whole is not None:
            return whole
        few = self._too_few_instruments()
        if few:
            return few
        text = self._bars_text() or "no window found"
        if any(piece.problem for piece in self.pieces):
            text += f"; parts skipped: {self.piece_problems()}"
        return text
