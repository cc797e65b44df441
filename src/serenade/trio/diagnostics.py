"""Why a sequence, or one track of it, gives no trio windows.

The trio converter fills a `TrioReport` while it extracts windows; `explain()` turns
it into sentences a user can act on: "no bass track (programs 32-39)", "track 0
'flute' (program 73) is neither melody (programs 0-31) nor bass (programs 32-39)",
"drum track 2 plays in bars 1-12 only: shorter than the 16 bars a window needs".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from serenade.melody.diagnostics import TrackCounts, TrackedReport, sequence_reason
from serenade.melody.pieces import Piece
from serenade.trio.instruments import BASS_PROGRAMS, MELODY_PROGRAMS, Kind

MELODY_RANGE = f"{MELODY_PROGRAMS.start}-{MELODY_PROGRAMS.stop - 1}"
BASS_RANGE = f"{BASS_PROGRAMS.start}-{BASS_PROGRAMS.stop - 1}"
NEEDED = {Kind.MELODY: f"no melody track (programs {MELODY_RANGE})",
          Kind.BASS: f"no bass track (programs {BASS_RANGE})",
          Kind.DRUMS: "no drum track"}


def bars_text(first: int, last: int) -> str:
    """1-based bar numbers."""
    return f"bar {first + 1}" if first == last else f"bars {first + 1}-{last + 1}"


@dataclass
class TrioTrack(TrackCounts):
    """One track over all pieces."""

    kind: Kind | None = None  # as classified in the last usable piece holding it
    problem: str = ""  # why it cannot be a part (first one found)
    windows: int = 0


@dataclass
class TrioReport(TrackedReport):
    """What the trio converter found in one NoteSequence."""

    TRACK = TrioTrack

    window_bars: int
    gap_bars: int
    notes: int = 0
    pieces: list[Piece] = field(default_factory=list)
    tracks: dict[int, TrioTrack] = field(default_factory=dict)
    piece_reasons: dict[int, list[str]] = field(default_factory=dict)  # piece index -> reasons
    windows: int = 0

    def add_reason(self, piece: int, reason: str) -> None:
        reasons = self.piece_reasons.setdefault(piece, [])
        if reason not in reasons:
            reasons.append(reason)

    def track_reasons(self) -> list[tuple[TrioTrack, str]]:
        """(track, reason) for every track that is part of no window, by track number."""
        found = []
        for track in sorted(self.tracks.values(), key=lambda t: t.instrument):
            if track.windows:
                continue
            if track.problem:
                reason = track.problem
            else:
                reasons = [r for piece in sorted(self.piece_reasons)
                           for r in self.piece_reasons[piece]]
                reason = "; ".join(reasons) if reasons else "its windows were not found"
            found.append((track, reason))
        return found

    def why_track(self, instrument: int) -> str:
        """Why track `instrument` gives no windows of its own ('' when it gives some); a trio
        window's track is its melody track's."""
        if instrument not in self.tracks:
            return "there is no such track"
        track = self.tracks[instrument]
        if track.windows and track.kind is not Kind.MELODY:
            return (f"it plays the {track.kind.label} part: a trio window is numbered by its "
                    "melody track")
        return next((reason for found, reason in self.track_reasons()
                     if found.instrument == instrument), "")

    def explain(self) -> str:
        """Why the sequence gives no windows; '' when it gives some."""
        whole = sequence_reason(self.windows, self.notes, self.pieces)
        if whole is not None:
            return whole
        usable = [piece for piece in self.pieces if not piece.problem]
        reasons: list[str] = []
        for piece in usable:
            text = "; ".join(self.piece_reasons.get(piece.index, [])) or "no window found"
            if len(usable) > 1:
                text = f"part at {piece.where()}: {text}"
            if text not in reasons:
                reasons.append(text)
        text = "; ".join(reasons)
        if any(piece.problem for piece in self.pieces):
            text += f"; parts skipped: {self.piece_problems()}"
        return text
