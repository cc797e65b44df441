"""What the melody, drums and trio converters share, around what each family does its own way.

A family's converter finds the windows of each piece of a sequence and a report of why some
give none (`_windows_by_piece`), stacks windows into an array (`_stack`), places one window in
its file (`_located`) and writes windows back as a NoteSequence (`to_note_sequence`). Sizes,
diagnostics, the windows' locations, the training draw and MIDI writing follow from those the
same way in every family (drums override what their merged drum part does otherwise). It lives
in melody, whose pieces, windows and MIDI writing the other families build on.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.base.bit_inputs import BitInputs
from serenade.melody.pieces import LocatedWindow, bar_offsets, first_tempo
from serenade.melody.rendering import write_midi
from serenade.melody.transposition import random_amount
from serenade.melody.windows import sample_at_most


class ConverterBase:
    """The shared part of a window converter (`serenade.conversion.protocol.WindowConverter`).

    A subclass is a frozen dataclass with magenta's `slice_bars`, `steps_per_quarter`,
    `quarters_per_bar` and `max_tensors_per_notesequence`.
    """

    slice_bars: int
    steps_per_quarter: int
    quarters_per_bar: int
    max_tensors_per_notesequence: int | None
    window_dtype: ClassVar[type] = np.int16  # of the class indices in a window array

    @property
    def steps_per_bar(self) -> int:
        return self.steps_per_quarter * self.quarters_per_bar

    @property
    def window_steps(self) -> int:
        """Steps per window: 32 for the 2-bar configs, 256 for the 16-bar ones."""
        return self.slice_bars * self.steps_per_bar

    @property
    def part_depths(self) -> tuple[int, ...]:
        """Classes of each part of a step: one part of `num_classes` (trio windows have three)."""
        return (self.num_classes,)

    @property
    def decoder_inputs(self) -> BitInputs | None:
        """How the decoder is fed each class: None, one-hot (a family whose classes are bit
        masks returns their `BitInputs`)."""
        return None

    @property
    def encoder_inputs(self) -> BitInputs | None:
        """How the encoder reads each class: None, one-hot (each part's, side by side, for
        windows of several parts)."""
        return None

    # -- what each family does its own way ---------------------------------------

    def _windows_by_piece(self, sequence: music_pb2.NoteSequence) -> tuple[list[list[Any]], Any]:
        """Every window of each piece (records with `events` and `piece`), inference order,
        and the report of the sequence (with `pieces` and `explain()`)."""
        raise NotImplementedError

    def _stack(self, rows: list[Any]) -> np.ndarray:
        """Windows' events as one array [n, window_steps, ...] of `window_dtype`."""
        raise NotImplementedError

    def _located(self, window: Any, bar_offset: int, qpm: float) -> LocatedWindow:
        """A window as class indices with its track, the bar of the file where it starts (its
        piece starts at `bar_offset`) and the tempo there."""
        raise NotImplementedError

    def to_note_sequence(self, windows: np.ndarray, *, qpm: float = 120.0, velocity: int = 80,
                         program: int = 0) -> music_pb2.NoteSequence:
        raise NotImplementedError

    # -- NoteSequence -> windows -------------------------------------------------

    def windows_with_origin(self, sequence: music_pb2.NoteSequence) -> list[Any]:
        """Every window (inference order) with where it came from."""
        return [window for windows in self._windows_by_piece(sequence)[0] for window in windows]

    def located_windows(self, sequence: music_pb2.NoteSequence) -> list[LocatedWindow]:
        """Every window (inference order) as class indices with its track, bar and tempo."""
        by_piece, report = self._windows_by_piece(sequence)
        offsets = bar_offsets(report.pieces)
        return [self._located(window, *offsets.get(window.piece, (0, first_tempo(sequence))))
                for windows in by_piece for window in windows]

    def extract(self, sequence: music_pb2.NoteSequence) -> tuple[np.ndarray, Any]:
        """Every window (as `to_windows` in inference) and the diagnostics, in one pass."""
        by_piece, report = self._windows_by_piece(sequence)
        return self._stack([w.events for windows in by_piece for w in windows]), report

    def analyze(self, sequence: music_pb2.NoteSequence) -> Any:
        """Per-piece and per-track diagnostics (inference mode)."""
        return self._windows_by_piece(sequence)[1]

    def explain(self, sequence: music_pb2.NoteSequence) -> str:
        """Why `sequence` gives no windows; '' when it gives some."""
        return self.analyze(sequence).explain()

    # -- training: two steps, so that a data pipeline can cache the (costly) windows of each
    # piece per transposition and repeat only the (cheap) draws: the same rng, the same windows.

    def with_transposition(self, transpose_range: tuple[int, int] | None) -> ConverterBase:
        """The same converter transposing training draws within `transpose_range` (None: not).
        A family transposes when its converter has a `transpose_range` setting (magenta's
        `NoteSequenceAugmenter`, applied before its converter); one without refuses a range."""
        if any(field.name == "transpose_range" for field in dataclasses.fields(self)):
            return dataclasses.replace(
                self, transpose_range=None if transpose_range is None else tuple(transpose_range))
        if transpose_range is not None:
            raise ValueError(f"{type(self).__name__} windows cannot be transposed "
                             f"(train.transpose {list(transpose_range)})")
        return self

    def draw_transposition(self, has_notes: bool, rng: np.random.Generator) -> int:
        """The random transposition of a training draw: 0 without a range, and 0 without a
        draw for a sequence without notes (magenta's augmenter leaves it alone)."""
        transpose_range = getattr(self, "transpose_range", None)
        if transpose_range is None or not has_notes:
            return 0
        return random_amount(*transpose_range, rng=rng)

    def draw_training_windows(self, pieces: list[np.ndarray],
                              rng: np.random.Generator) -> np.ndarray:
        """At most `max_tensors_per_notesequence` windows: per piece, then over the sequence,
        as magenta."""
        limit = self.max_tensors_per_notesequence
        chosen = []
        for windows in pieces:
            chosen.extend(sample_at_most(list(windows), limit, rng))
        chosen = sample_at_most(chosen, limit, rng)
        return np.stack(chosen).astype(self.window_dtype) if chosen else self._stack([])

    # -- windows -> MIDI -----------------------------------------------------------

    def to_midi(self, windows: np.ndarray, path: str | Path, *, qpm: float = 120.0,
                velocity: int = 80, program: int = 0) -> Path:
        """Windows (one, or several that follow one another) -> a MIDI file at `path`."""
        return write_midi(self.to_note_sequence(windows, qpm=qpm, velocity=velocity,
                                                program=program), path)
