"""TrioConverter: NoteSequence -> melody + bass + drums windows (and back), as magenta's.

Steps for one sequence (magenta's `TrioConverter`):
1. split at tempo and time-signature changes; each piece is converted alone;
2. quantize the piece (4 steps per quarter); a piece whose bar is not 16 steps gives
   nothing; its length in bars is rounded up (at most `max_bars`);
3. classify the tracks (drums / melody programs 0-31 / bass programs 32-39, anything
   else or a mix: unusable) and mark the bars each one plays in; a piece without all
   three classes gives nothing;
4. encode each melody and bass track as one melody over the whole piece, each drum
   track as one drum part (a track that gives nothing is treated as silent);
5. bridge gaps of up to `gap_bars` bars in every track's bars; for every (melody,
   bass, drums) combination of tracks, in track-number order, every `slice_bars`
   window (hop one bar) where all three play becomes a window. Windows are not
   deduplicated and not cleaned (a melody window may start with a note-off);
6. training keeps a random subset of at most `max_tensors_per_notesequence` (per
   piece, then over the sequence); magenta's evaluation keeps the first ones
   (`limit=True`); inference here sees every window.

A window is int16 [steps, 3]: the melody class (0..89), the bass class (0..89) and
the drum class (0..511) per step; `one_hot` gives the model's [steps, 692] tensors.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.drums.classes import REDUCED_CLASS_NAMES
from serenade.drums.encoding import to_roll
from serenade.melody import events as ev
from serenade.melody.converter_base import ConverterBase
from serenade.melody.diagnostics import count_tracks
from serenade.melody.pieces import LocatedWindow, quantize_piece, split_on_time_changes
from serenade.melody.rendering import windows_to_note_sequence
from serenade.trio import instruments as ins
from serenade.trio.diagnostics import NEEDED, TrioReport, bars_text
from serenade.trio.drum_part import NINE_CLASS_DRUMS, DrumEncoding, drum_notes, drum_part
from serenade.trio.instruments import Kind
from serenade.trio.parts import melody_part

MELODY, BASS, DRUMS = 0, 1, 2  # part order in a window
PART_NAMES = ("melody", "bass", "drums")
BASS_PROGRAM = 33  # electric bass (finger), what magenta decodes bass to
BASS_INSTRUMENT, DRUM_INSTRUMENT = 1, 9


@dataclass(frozen=True)
class TrioWindow:
    """One window and where it came from."""

    events: np.ndarray  # int16 [steps, 3]
    piece: int
    start_bar: int  # within the piece
    instruments: tuple[int, int, int]  # melody, bass and drum tracks


@dataclass(frozen=True)
class TrioConverter(ConverterBase):
    """Settings of the trio converter; magenta's names where it has them."""

    slice_bars: int = 16
    gap_bars: int = 2
    max_bars: int = 1024
    steps_per_quarter: int = 4
    quarters_per_bar: int = 4
    max_tensors_per_notesequence: int | None = 5
    drums: DrumEncoding = field(default=NINE_CLASS_DRUMS, repr=False)

    def __post_init__(self) -> None:
        if self.slice_bars < 1:
            raise ValueError("slice_bars must be at least 1")
        if self.gap_bars < 0:
            raise ValueError("gap_bars must not be negative")

    @property
    def part_depths(self) -> tuple[int, int, int]:
        return (ev.NUM_CLASSES, ev.NUM_CLASSES, self.drums.num_classes)

    @property
    def no_event_class(self) -> int:
        return 0  # in every part: the melody or bass holds, no drum hit

    @property
    def part_names(self) -> tuple[str, str, str]:
        """What each part of a window is: ("melody", "bass", "drums")."""
        return PART_NAMES

    @property
    def kit_pieces(self) -> tuple[str, ...]:
        """The kit pieces the drum part's classes combine (bit c = `kit_pieces[c]`): the 9
        drum classes, named as the drum family's reduced map (same classes, same order)."""
        return REDUCED_CLASS_NAMES

    def kit_hits(self, windows: np.ndarray) -> np.ndarray:
        """bool [..., steps, 9]: which kit pieces the drum part hits at each step."""
        drums = np.asarray(windows)[..., DRUMS]
        return to_roll(drums.astype(np.int64), len(self.kit_pieces))

    def starts_event(self, windows: np.ndarray) -> np.ndarray:
        """Boolean mask [..., steps, 3] of the steps where a part starts a note or hits a drum."""
        windows = np.asarray(windows)
        starts = windows >= ev.FIRST_NOTE_ON
        starts[..., DRUMS] = windows[..., DRUMS] != 0
        return starts

    @property
    def depth(self) -> int:
        """Input and output depth of the model tensors: 90 + 90 + 512 = 692."""
        return sum(self.part_depths)

    # -- NoteSequence -> windows -------------------------------------------------

    def _new_report(self, sequence: music_pb2.NoteSequence) -> TrioReport:
        report = TrioReport(window_bars=self.slice_bars, gap_bars=self.gap_bars,
                            notes=len(sequence.notes))
        count_tracks(report, sequence)
        return report

    def _piece_windows(self, piece, report: TrioReport) -> list[TrioWindow]:
        spb = self.steps_per_bar
        total_bars = min(-(-piece.total_steps // spb), self.max_bars)
        kinds = ins.classify(piece.notes)
        by_kind: dict[Kind, list[int]] = {kind: [] for kind in (Kind.MELODY, Kind.BASS,
                                                                Kind.DRUMS)}
        for instrument in sorted(kinds):
            kind = kinds[instrument]
            track = report.track(instrument)
            track.kind = kind
            if kind is Kind.INVALID:
                track.problem = track.problem or self._invalid_reason(piece.notes, instrument)
            else:
                by_kind[kind].append(instrument)
        missing = [NEEDED[kind] for kind, found in by_kind.items() if not found]
        if missing:
            for reason in missing:
                report.add_reason(piece.index, reason)
            for instrument in sorted(kinds):
                if kinds[instrument] is Kind.INVALID:
                    track = report.track(instrument)
                    report.add_reason(piece.index, f"{track.label()}: {track.problem}")
            return []
        covered = ins.coverage(piece.notes, total_bars, spb)
        total_steps = total_bars * spb
        notes_of: dict[int, list] = {}
        for note in piece.notes:
            notes_of.setdefault(note.instrument, []).append(note)
        parts: dict[int, np.ndarray] = {}
        for instrument in by_kind[Kind.MELODY] + by_kind[Kind.BASS]:
            part = melody_part(notes_of[instrument], total_steps, spb)
            if part is None:
                covered[:, instrument] = False
                report.track(instrument).problem = report.track(instrument).problem or (
                    f"no notes in the pitch range {ev.MIN_PITCH}..{ev.MAX_PITCH} "
                    f"(or only silent ones)")
            else:
                parts[instrument] = part
        for instrument in by_kind[Kind.DRUMS]:
            part = drum_part(notes_of[instrument], total_steps, self.drums)
            if part is None:
                covered[:, instrument] = False
                report.track(instrument).problem = report.track(instrument).problem or (
                    "no drum notes of the 9 drum classes (or only silent ones)")
            else:
                parts[instrument] = part
        bridged = ins.bridge_gaps(covered, self.gap_bars)
        windows = []
        for group in itertools.product(by_kind[Kind.MELODY], by_kind[Kind.BASS],
                                       by_kind[Kind.DRUMS]):
            if not all(i in parts for i in group):
                continue
            together = ins.group_coverage(bridged, group, self.gap_bars)
            found = 0
            for bar in range(total_bars - self.slice_bars + 1):
                if together[bar:bar + self.slice_bars].all():
                    start, end = bar * spb, (bar + self.slice_bars) * spb
                    events = np.stack([parts[i][start:end] for i in group], axis=1)
                    windows.append(TrioWindow(events, piece.index, bar, group))
                    found += 1
            if not found:
                report.add_reason(piece.index, self._coverage_reason(
                    group, together, bridged, total_bars))
        if not any(all(i in parts for i in group) for group in itertools.product(
                by_kind[Kind.MELODY], by_kind[Kind.BASS], by_kind[Kind.DRUMS])):
            for kind in (Kind.MELODY, Kind.BASS, Kind.DRUMS):
                if not any(i in parts for i in by_kind[kind]):
                    tracks = ", ".join(report.track(i).label() for i in by_kind[kind])
                    report.add_reason(piece.index, f"no usable {kind.label} track ({tracks}: "
                                      f"{report.track(by_kind[kind][0]).problem})")
        for window in windows:
            for instrument in window.instruments:
                report.track(instrument).windows += 1
        return windows

    @staticmethod
    def _invalid_reason(notes, instrument: int) -> str:
        mine = [n for n in notes if n.instrument == instrument]
        kinds = {ins.note_kind(n) for n in mine}
        programs = sorted({n.program for n in mine if not n.is_drum})
        if kinds == {Kind.INVALID}:
            shown = ", ".join(str(p) for p in programs)
            return (f"program {shown} is neither melody (programs {ins.MELODY_PROGRAMS.start}-"
                    f"{ins.MELODY_PROGRAMS.stop - 1}) nor bass (programs "
                    f"{ins.BASS_PROGRAMS.start}-{ins.BASS_PROGRAMS.stop - 1})")
        labels = " and ".join(sorted(k.label for k in kinds if k is not Kind.INVALID))
        return f"mixes {labels} notes{' with other programs' if Kind.INVALID in kinds else ''}"

    def _coverage_reason(self, group, together, bridged, total_bars: int) -> str:
        need = self.slice_bars
        if total_bars < need:
            return f"the piece lasts {total_bars} bars, a window needs {need}"
        kinds = ("melody", "bass", "drum")
        short = []
        for kind, instrument in zip(kinds, group):
            spans = ins.runs(bridged[:, instrument])
            longest = max((b - a + 1 for a, b in spans), default=0)
            if longest < need:
                where = ", ".join(bars_text(a, b) for a, b in spans) or "no bar"
                short.append(f"{kind} track {instrument} plays in {where} only: shorter than "
                             f"the {need} bars a window needs")
        if short:
            return "; ".join(short)
        spans = ins.runs(together)
        longest = max((b - a + 1 for a, b in spans), default=0)
        return (f"melody track {group[0]}, bass track {group[1]} and drum track {group[2]} "
                f"play together for at most {longest} bars (gaps of up to {self.gap_bars} "
                f"bars bridged), a window needs {need}")

    def _windows_by_piece(self, sequence: music_pb2.NoteSequence
                          ) -> tuple[list[list[TrioWindow]], TrioReport]:
        """The windows of each piece in magenta's order ((melody, bass, drums) tracks, then
        bar) and the report."""
        report = self._new_report(sequence)
        by_piece = []
        for index, piece_sequence in enumerate(split_on_time_changes(sequence)):
            piece = quantize_piece(piece_sequence, index, self.steps_per_quarter,
                                   self.steps_per_bar)
            report.pieces.append(piece)
            if piece.problem:
                by_piece.append([])
                continue
            by_piece.append(self._piece_windows(piece, report))
        report.windows = sum(len(windows) for windows in by_piece)
        return by_piece, report

    def _located(self, window: TrioWindow, bar_offset: int, qpm: float) -> LocatedWindow:
        """The track of a trio window is its melody track's number."""
        return LocatedWindow(np.asarray(window.events, np.int16), window.instruments[MELODY],
                             bar_offset + window.start_bar, qpm)

    def to_windows(self, sequence: music_pb2.NoteSequence, *, training: bool = False,
                   limit: bool = False, rng: np.random.Generator | None = None) -> np.ndarray:
        """Windows as class indices, int16 [n, window_steps, 3].

        Inference (default): every window. `limit=True`: magenta's evaluation, the first
        `max_tensors_per_notesequence` (per piece, then overall). Training: a random
        subset of at most that many, drawn the same way.
        """
        by_piece, _ = self._windows_by_piece(sequence)
        if training:
            rng = rng if rng is not None else np.random.default_rng()
            return self.draw_training_windows(
                [self._stack([w.events for w in windows]) for windows in by_piece], rng)
        limit_n = self.max_tensors_per_notesequence if limit else None
        chosen = [w for windows in by_piece for w in windows[:limit_n]][:limit_n]
        return self._stack([w.events for w in chosen])

    # Training draws in two steps (see ConverterBase); trio configs never transpose (magenta
    # gives them no augmenter).

    def training_pieces(self, sequence: music_pb2.NoteSequence, amount: int = 0
                        ) -> list[np.ndarray]:
        """The windows of each piece of the sequence (int16 [n, steps, 3] each)."""
        if amount:
            raise ValueError("trio configs do not transpose")
        by_piece, _ = self._windows_by_piece(sequence)
        return [self._stack([w.events for w in windows]) for windows in by_piece]

    def _stack(self, rows: list[np.ndarray]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.window_steps, 3), dtype=np.int16)
        return np.stack(rows).astype(np.int16)

    def one_hot(self, windows: np.ndarray) -> np.ndarray:
        """Class indices [..., steps, 3] -> the model's bool tensors [..., steps, 692]."""
        windows = np.asarray(windows)
        if windows.shape[-1] != 3:
            raise ValueError(f"expected [..., steps, 3] class indices, got {windows.shape}")
        parts = [np.eye(depth, dtype=bool)[windows[..., k]]
                 for k, depth in enumerate(self.part_depths)]
        return np.concatenate(parts, axis=-1)

    def from_one_hot(self, tensors: np.ndarray) -> np.ndarray:
        """[..., steps, 692] scores or one-hots -> int16 [..., steps, 3] (argmax per part)."""
        tensors = np.asarray(tensors)
        if tensors.shape[-1] != self.depth:
            raise ValueError(f"expected depth {self.depth}, got {tensors.shape}")
        bounds = np.cumsum((0,) + self.part_depths)
        return np.stack([tensors[..., a:b].argmax(-1) for a, b in zip(bounds[:-1], bounds[1:])],
                        axis=-1).astype(np.int16)

    # -- windows -> NoteSequence (and MIDI: ConverterBase.to_midi) -------------------

    def to_note_sequence(self, windows: np.ndarray, *, qpm: float = 120.0, velocity: int = 80,
                         program: int = 0) -> music_pb2.NoteSequence:
        """Windows [steps, 3] or [n, steps, 3] (or one-hots [.., 692]) -> one NoteSequence.

        As magenta: melody on instrument 0 (`program`, magenta's 0 by default), bass on
        instrument 1 program 33, drums on instrument 9 (is_drum) one step long, the first pitch
        of each class; several windows follow one another.
        """
        windows = np.asarray(windows)
        if windows.shape[-1] == self.depth:
            windows = self.from_one_hot(windows)
        if windows.ndim == 2:
            windows = windows[None]
        if windows.ndim != 3 or windows.shape[-1] != 3:
            raise ValueError(f"expected windows [steps, 3] or [n, steps, 3], got {windows.shape}")
        spq, qpb = self.steps_per_quarter, self.quarters_per_bar
        sequence = windows_to_note_sequence(windows[..., MELODY], steps_per_quarter=spq,
                                            quarters_per_bar=qpb, qpm=qpm, velocity=velocity,
                                            program=program)
        bass = windows_to_note_sequence(windows[..., BASS], steps_per_quarter=spq,
                                        quarters_per_bar=qpb, qpm=qpm, velocity=velocity,
                                        program=BASS_PROGRAM, instrument=BASS_INSTRUMENT)
        sequence.notes.extend(bass.notes)
        seconds_per_step = 60.0 / qpm / spq
        drum_end = 0.0
        for step, pitch in drum_notes(windows[..., DRUMS].reshape(-1), self.drums):
            drum_end = (step + 1) * seconds_per_step
            sequence.notes.add(pitch=pitch, velocity=velocity, instrument=DRUM_INSTRUMENT,
                               program=0, is_drum=True, start_time=step * seconds_per_step,
                               end_time=drum_end)
        sequence.total_time = max(sequence.total_time, bass.total_time, drum_end)
        return sequence
