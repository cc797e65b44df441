"""Why a sequence, or one track of it, gives no drum windows.

The drums converter merges the drum notes of every track into one drum part (magenta's
`extract_drum_tracks`), so a track matters only through its drum notes: a pitched track is
"not drums", a drum track whose notes all fall outside the drum map (or have velocity 0) adds
nothing. What is left to say is about the merged part, piece by piece: an unusable metre, no
kept hit, or no drum stretch as long as a window.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from note_seq.protobuf import music_pb2

from serenade.drums.classes import PitchClasses
from serenade.drums.windows import DrumWindow
from serenade.melody.diagnostics import track_label
from serenade.melody.pieces import Piece


@dataclass
class PieceWindows:
    """All windows of one piece in magenta's slicing order (duplicates kept), or why none."""

    index: int
    piece: Piece | None = None  # the quantized piece (tempo, metre, times)
    windows: list[DrumWindow] = field(default_factory=list)
    problem: str = ""
    drum_notes: int = 0   # drum notes in the piece
    kept_hits: int = 0    # steps with a kept hit
    tracks: int = 0


@dataclass
class DrumTrackReport:
    """One note-seq instrument (track) of the sequence, as the drums converter sees it."""

    instrument: int
    name: str = ""
    notes: int = 0
    drum_notes: int = 0
    kept: int = 0  # drum notes the drum map keeps (velocity > 0, a pitch with a class)
    programs: set[int] = field(default_factory=set)

    def label(self) -> str:
        return track_label(self.instrument, self.name, self.programs, bool(self.drum_notes))


@dataclass
class DrumReport:
    """What the drums converter found in one NoteSequence."""

    slice_bars: int
    gap_bars: float | None
    pitch_classes: PitchClasses
    pieces: list[PieceWindows] = field(default_factory=list)
    tracks: dict[int, DrumTrackReport] = field(default_factory=dict)
    windows: int = 0

    @classmethod
    def of(cls, sequence: music_pb2.NoteSequence, pieces: list[PieceWindows], *, slice_bars: int,
           gap_bars: float | None, pitch_classes: PitchClasses, windows: int) -> "DrumReport":
        report = cls(slice_bars, gap_bars, pitch_classes, pieces, windows=windows)
        names = {info.instrument: info.name for info in sequence.instrument_infos}
        for note in sequence.notes:
            track = report.tracks.setdefault(note.instrument, DrumTrackReport(note.instrument))
            track.name = names.get(note.instrument, "")
            track.notes += 1
            if note.is_drum:
                track.drum_notes += 1
                track.kept += bool(note.velocity) and pitch_classes.class_of(note.pitch) is not None
            else:
                track.programs.add(note.program)
        return report

    @property
    def drum_track(self) -> int | None:
        """The track drum windows are reported under: the first track with drum notes (the
        converter merges every drum track into one part)."""
        drums = [t.instrument for t in self.tracks.values() if t.drum_notes]
        return min(drums) if drums else None

    def _track_reason(self, track: DrumTrackReport) -> str:
        if not track.drum_notes:
            return "not drums: drum models read drum notes (MIDI channel 10) only"
        if not track.kept:
            return (f"no drum hit with velocity > 0 and a pitch in the {self.pitch_classes.name} "
                    "drum map")
        if not self.windows:
            return self.explain()
        if track.instrument != self.drum_track:
            return f"merged into the drum part reported as track {self.drum_track}"
        return ""

    def why_track(self, instrument: int) -> str:
        """Why track `instrument` gives no windows of its own ('' when it gives some)."""
        if instrument not in self.tracks:
            return "there is no such track"
        return self._track_reason(self.tracks[instrument])

    def track_problems(self) -> list[str]:
        """"track 1 (program 33): reason" for every track that adds no drum hits."""
        problems = []
        for track in sorted(self.tracks.values(), key=lambda t: t.instrument):
            if not track.drum_notes or not track.kept:
                problems.append(f"{track.label()}: {self._track_reason(track)}")
        return problems

    def explain(self) -> str:
        """Why the sequence gives no drum windows; '' when it gives some."""
        if self.windows or any(piece.windows for piece in self.pieces):
            return ""
        if not self.pieces:
            return "the sequence is empty (total_time 0)"
        if not sum(p.drum_notes for p in self.pieces):
            return "no drum notes (no note has is_drum set: MIDI channel 10)"
        reasons = []
        for p in self.pieces:
            if not p.drum_notes:
                continue
            where = f"piece {p.index + 1}" if len(self.pieces) > 1 else "the sequence"
            if p.problem:
                reasons.append(f"{where}: {p.problem}")
            elif not p.kept_hits:
                reasons.append(f"{where}: no drum hit with velocity > 0 and a pitch in the "
                               f"{self.pitch_classes.name} drum map")
            else:
                reasons.append(f"{where}: no drum track of {self.slice_bars} bars "
                               f"({p.tracks} shorter track(s); a gap of {self.gap_bars} bar(s) "
                               "without drums ends a track)")
        return "; ".join(reasons)
