"""Why a sequence, or one track of it, gives no windows.

The converter fills a `SequenceReport` while it extracts windows; the report
turns the counts into sentences a user can act on ("time signature 3/4 gives
12-step bars", "drum track", "program 40 is outside 0..31", ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from note_seq.protobuf import music_pb2

from serenade.melody.pieces import Piece


def track_label(instrument: int, name: str, programs, drums: bool) -> str:
    """How diagnostics name a track: "track 2 'Bass' (program 33)" or "track 9 (drums)"."""
    parts = [f"track {instrument}"]
    if name:
        parts.append(repr(name))
    if drums:
        parts.append("(drums)")
    elif programs:
        shown = ", ".join(str(p) for p in sorted(programs))
        parts.append(f"(program{'s' if len(programs) > 1 else ''} {shown})")
    return " ".join(parts)


@dataclass
class TrackCounts:
    """What every family's report counts of one track (note-seq instrument number)."""

    instrument: int
    name: str = ""
    programs: set[int] = field(default_factory=set)
    notes: int = 0
    drum_notes: int = 0

    def label(self) -> str:
        return track_label(self.instrument, self.name, self.programs,
                           bool(self.drum_notes) and self.drum_notes == self.notes)


class TracksReport(Protocol):
    def track(self, instrument: int) -> TrackCounts: ...


def count_tracks(report: TracksReport, sequence: music_pb2.NoteSequence) -> None:
    """Each track's name, notes, drum notes and programs into `report.track(instrument)`."""
    names = {info.instrument: info.name for info in sequence.instrument_infos}
    for note in sequence.notes:
        track = report.track(note.instrument)
        track.name = names.get(note.instrument, "")
        track.notes += 1
        if note.is_drum:
            track.drum_notes += 1
        else:
            track.programs.add(note.program)


def piece_problems(pieces: list[Piece]) -> str:
    """The distinct problems of the unusable pieces, with where they are."""
    by_problem: dict[str, list[str]] = {}
    for piece in pieces:
        if piece.problem:
            by_problem.setdefault(piece.problem, []).append(piece.where())
    return "; ".join(f"{problem} (at {', '.join(places[:3])}"
                     f"{', ...' if len(places) > 3 else ''})"
                     for problem, places in by_problem.items())


def sequence_reason(windows: int, notes: int, pieces: list[Piece]) -> str | None:
    """Why a sequence gives no windows when the reason is the whole sequence's ('' when it gives
    some); None when the reason lies in its tracks."""
    if windows:
        return ""
    if not notes:
        return "no notes"
    if not pieces:
        return "no pieces to convert (the sequence's total time is 0)"
    if all(piece.problem for piece in pieces):
        return piece_problems(pieces)
    return None


class TrackedReport:
    """What every converter's report of one sequence shares: its tracks by instrument (each
    made on first use, of the report's `TRACK` type), its pieces' problems, and each track's
    reason as a line. A report is a dataclass with `pieces` and `tracks`, and says why a track
    gives no windows in `track_reasons()`."""

    TRACK: ClassVar[type[TrackCounts]]
    pieces: list[Piece]
    tracks: dict[int, TrackCounts]

    def track(self, instrument: int) -> TrackCounts:
        if instrument not in self.tracks:
            self.tracks[instrument] = self.TRACK(instrument)
        return self.tracks[instrument]

    def piece_problems(self) -> str:
        """The distinct problems of the unusable pieces, with where they are."""
        return piece_problems(self.pieces)

    def track_reasons(self) -> list[tuple[TrackCounts, str]]:
        raise NotImplementedError

    def track_problems(self) -> list[str]:
        """"track 2 'Flute' (program 73): reason" for every track that gives no windows."""
        return [f"{track.label()}: {reason}" for track, reason in self.track_reasons()]


@dataclass
class TrackReport(TrackCounts):
    """Counts for one track over all pieces."""

    outside_programs: int = 0  # notes whose program the config does not accept
    outside_pitch: int = 0  # notes outside the pitch range (and in an accepted program)
    in_unusable_pieces: int = 0  # notes kept but in pieces that cannot be quantized as needed
    melodies: int = 0  # melodies of at least one bar
    longest_melody_steps: int = 0
    windows: int = 0  # distinct windows first found in this track


@dataclass
class SequenceReport(TrackedReport):
    """What the converter found in one NoteSequence."""

    TRACK = TrackReport

    window_bars: int
    steps_per_bar: int
    program_range: str | None  # e.g. "0..31", None when every program is accepted
    pitch_range: str
    notes: int = 0
    pieces: list[Piece] = field(default_factory=list)
    tracks: dict[int, TrackReport] = field(default_factory=dict)
    windows: int = 0

    def unusable_pieces(self) -> list[Piece]:
        return [piece for piece in self.pieces if piece.problem]

    def track_reason(self, track: TrackReport) -> str:
        """Why `track` gives no windows ('' when it gives some)."""
        if track.windows:
            return ""
        if not track.notes:
            return "no notes"
        if track.drum_notes == track.notes:
            return "drum track: drums are skipped"
        pitched = track.notes - track.drum_notes
        if track.outside_programs >= pitched:
            shown = ", ".join(str(p) for p in sorted(track.programs))
            return (f"program {shown} is outside {self.program_range} (this config keeps "
                    f"piano, chromatic percussion, organ and guitar programs only)")
        if track.outside_programs + track.outside_pitch >= pitched:
            return f"no notes in the pitch range {self.pitch_range}"
        kept = pitched - track.outside_programs - track.outside_pitch
        if track.in_unusable_pieces >= kept:
            return f"its notes are only in unusable parts: {self.piece_problems()}"
        if not track.melodies:
            return "no melody (its notes have velocity 0)"
        window_steps = self.window_bars * self.steps_per_bar
        if track.longest_melody_steps < window_steps:
            longest = track.longest_melody_steps / self.steps_per_bar
            return (f"melody too short: the longest one lasts {longest:g} "
                    f"bar{'s' if longest != 1 else ''} (a melody ends after a bar of silence), "
                    f"a window needs {self.window_bars}")
        return "all its windows repeat windows found earlier"

    def track_reasons(self) -> list[tuple[TrackReport, str]]:
        """(track, reason) for every track that gives no windows, by track number."""
        return [(track, reason) for track in sorted(self.tracks.values(), key=lambda t: t.instrument)
                if (reason := self.track_reason(track))]

    def why_track(self, instrument: int) -> str:
        """Why track `instrument` gives no windows ('' when it gives some)."""
        if instrument not in self.tracks:
            return "there is no such track"
        return self.track_reason(self.tracks[instrument])

    def explain(self) -> str:
        """Why the sequence gives no windows; '' when it gives some."""
        whole = sequence_reason(self.windows, self.notes, self.pieces)
        if whole is not None:
            return whole
        reasons = self.track_reasons()
        if len(reasons) == 1:
            text = reasons[0][1]
        else:
            text = "; ".join(f"{track.label()}: {reason}" for track, reason in reasons)
        if self.unusable_pieces() and "unusable parts" not in text:
            text += f"; parts skipped: {self.piece_problems()}"
        return text
