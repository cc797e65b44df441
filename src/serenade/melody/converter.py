"""MelodyConverter: NoteSequence -> melody windows (and back), as magenta's OneHotMelodyConverter.

Steps for one sequence (see docs/converter.md):
1. (training only) transpose by a random amount in `transpose_range`;
2. split at tempo and time-signature changes;
3. per piece: keep notes in the pitch range (and accepted programs), quantize,
   skip pieces whose bar is not `steps_per_quarter * quarters_per_bar` steps;
4. extract melodies per track, slice them into windows with a one-bar hop,
   drop duplicate windows within the piece;
5. inference: every window, by start time then track; training: a random
   subset of at most `max_tensors_per_notesequence`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.melody import events as ev
from serenade.melody.converter_base import ConverterBase
from serenade.melody.diagnostics import SequenceReport, count_tracks
from serenade.melody.extraction import extract_track_melodies
from serenade.melody.pieces import LocatedWindow, quantize_piece, split_on_time_changes
from serenade.melody.rendering import windows_to_note_sequence
from serenade.melody.transposition import check_range, transposed
from serenade.melody.windows import Window, dedupe, slice_melody


@dataclass(frozen=True)
class MelodyConverter(ConverterBase):
    """Settings of the melody converter; magenta's names where it has them."""

    slice_bars: int
    steps_per_quarter: int = 4
    quarters_per_bar: int = 4
    gap_bars: float = 1.0
    max_bars: int | None = 100
    valid_programs: range | None = None
    min_pitch: int = ev.MIN_PITCH
    max_pitch: int = ev.MAX_PITCH
    max_tensors_per_notesequence: int | None = 5
    transpose_range: tuple[int, int] | None = None
    presplit_on_time_changes: bool = True

    def __post_init__(self) -> None:
        if not ev.MIN_PITCH <= self.min_pitch <= self.max_pitch <= ev.MAX_PITCH:
            raise ValueError(f"pitch range {self.min_pitch}..{self.max_pitch} must lie within "
                             f"{ev.MIN_PITCH}..{ev.MAX_PITCH} (the 90-class encoding)")
        if self.slice_bars < 1:
            raise ValueError("slice_bars must be at least 1")
        check_range(self.transpose_range)

    @property
    def num_classes(self) -> int:
        return ev.NUM_CLASSES

    @property
    def part_names(self) -> tuple[str, ...]:
        return ("melody",)

    @property
    def kit_pieces(self) -> tuple[str, ...]:
        """None: melody windows are pitched (see `kit_hits`)."""
        return ()

    def kit_hits(self, windows: np.ndarray) -> np.ndarray:
        """No kit pieces: bool [..., steps, 0]."""
        return np.zeros((*np.shape(windows), 0), bool)

    @property
    def no_event_class(self) -> int:
        """The class of a step where nothing new happens (the melody holds)."""
        return ev.NO_EVENT

    def starts_event(self, windows: np.ndarray) -> np.ndarray:
        """Boolean mask of the steps that start a note."""
        return np.asarray(windows) >= ev.FIRST_NOTE_ON

    # -- NoteSequence -> windows -------------------------------------------------

    def _keeps(self, note: music_pb2.NoteSequence.Note) -> bool:
        if self.valid_programs is not None and note.program not in self.valid_programs:
            return False
        return self.min_pitch <= note.pitch <= self.max_pitch

    def _new_report(self, sequence: music_pb2.NoteSequence) -> SequenceReport:
        programs = self.valid_programs
        report = SequenceReport(
            window_bars=self.slice_bars, steps_per_bar=self.steps_per_bar,
            program_range=None if programs is None else f"{programs.start}..{programs.stop - 1}",
            pitch_range=f"{self.min_pitch}..{self.max_pitch}", notes=len(sequence.notes))
        count_tracks(report, sequence)
        return report

    def _windows_by_piece(self, sequence: music_pb2.NoteSequence
                          ) -> tuple[list[list[Window]], SequenceReport]:
        """Distinct windows of each piece, in start order (then track), and the report."""
        report = self._new_report(sequence)
        by_piece: list[list[Window]] = []
        hop = self.steps_per_bar
        max_steps = self.steps_per_bar * self.max_bars if self.max_bars else None
        for index, piece in enumerate(split_on_time_changes(sequence,
                                                            self.presplit_on_time_changes)):
            kept = []
            for note in piece.notes:
                if self._keeps(note):
                    kept.append(note)
                elif not note.is_drum:
                    track = report.track(note.instrument)
                    if self.valid_programs is not None and note.program not in self.valid_programs:
                        track.outside_programs += 1
                    else:
                        track.outside_pitch += 1
            if len(kept) != len(piece.notes):
                kept = [music_pb2.NoteSequence.Note.FromString(n.SerializeToString())
                        for n in kept]
                del piece.notes[:]
                piece.notes.extend(kept)
            quantized = quantize_piece(piece, index, self.steps_per_quarter, self.steps_per_bar)
            report.pieces.append(quantized)
            if quantized.problem:
                for note in piece.notes:
                    if not note.is_drum:
                        report.track(note.instrument).in_unusable_pieces += 1
                by_piece.append([])
                continue
            tracks: dict[int, list] = {}
            for note in quantized.notes:
                tracks.setdefault(note.instrument, []).append(note)
            windows = []
            for instrument, notes in tracks.items():
                found = extract_track_melodies(notes, self.steps_per_bar, gap_bars=self.gap_bars,
                                               min_bars=1, max_steps=max_steps)
                track = report.track(instrument)
                for melody in found.melodies:
                    track.melodies += 1
                    track.longest_melody_steps = max(track.longest_melody_steps,
                                                     len(melody.events))
                    for offset, events in slice_melody(melody.events, self.window_steps, hop):
                        windows.append(Window(events, index, melody.start_step + offset,
                                              instrument))
            windows.sort(key=lambda w: (w.start_step, w.instrument))
            unique = dedupe(windows)
            for window in unique:
                report.track(window.instrument).windows += 1
            by_piece.append(unique)
        report.windows = sum(len(windows) for windows in by_piece)
        return by_piece, report

    def _located(self, window: Window, bar_offset: int, qpm: float) -> LocatedWindow:
        return LocatedWindow(ev.encode(np.asarray(window.events)), window.instrument,
                             bar_offset + window.start_step // self.steps_per_bar, qpm)

    def to_windows(self, sequence: music_pb2.NoteSequence, *, training: bool = False,
                   rng: np.random.Generator | None = None) -> np.ndarray:
        """Windows as class indices, int16 [n, window_steps].

        Inference (default): every window, distinct within each piece, ordered
        by start time then track. Training: transposition augmentation when the
        config has a range, then at most `max_tensors_per_notesequence` windows
        drawn at random (per piece, then over the whole sequence, as magenta).
        """
        if training:
            rng = rng if rng is not None else np.random.default_rng()
            amount = self.draw_transposition(bool(sequence.notes), rng)
            return self.draw_training_windows(self.training_pieces(sequence, amount), rng)
        return self._stack([window.events for window in self.windows_with_origin(sequence)])

    # Training draws in two steps (see ConverterBase): the transposition, the pieces, the draw.

    def training_pieces(self, sequence: music_pb2.NoteSequence, amount: int = 0
                        ) -> list[np.ndarray]:
        """The distinct windows of each piece of the sequence transposed by `amount`."""
        sequence = transposed(sequence, amount)
        by_piece, _ = self._windows_by_piece(sequence)
        return [self._stack([window.events for window in windows]) for windows in by_piece]

    def _stack(self, rows: list[tuple[int, ...]]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.window_steps), dtype=np.int16)
        return ev.encode(np.asarray(rows, dtype=np.int64).reshape(-1)).reshape(
            len(rows), self.window_steps)

    # -- windows -> NoteSequence (and MIDI: ConverterBase.to_midi) -------------------

    def to_note_sequence(self, events: np.ndarray, *, qpm: float = 120.0, velocity: int = 80,
                         program: int = 0) -> music_pb2.NoteSequence:
        """Events [steps] or [n, steps] -> NoteSequence; several windows follow one another."""
        return windows_to_note_sequence(events, steps_per_quarter=self.steps_per_quarter,
                                        quarters_per_bar=self.quarters_per_bar, qpm=qpm,
                                        velocity=velocity, program=program)
