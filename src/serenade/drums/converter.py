"""DrumsConverter: NoteSequence -> drum windows and tensors (and back), as magenta's DrumsConverter.

Steps for one sequence:
1. split at tempo and time-signature changes (each piece is converted alone);
2. per piece: quantize at `steps_per_quarter` (all notes; a piece that cannot be
   quantized, or whose bar is not `steps_per_quarter * quarters_per_bar` steps,
   3/4 or 6/8 for instance, gives nothing);
3. keep drum notes (is_drum, velocity > 0) whose pitch has a class, replace the
   pitch by its class; extract drum tracks from all drum instruments together
   (`extraction`), cut to `max_bars`, slice into windows with a one-bar hop;
4. drop duplicate windows within the piece, then select (`windows`):
   - inference (Serenade): every window, in time order;
   - eval (magenta's eval and infer modes): the first `max_tensors_per_notesequence`
     per piece and over the sequence, in magenta's `set` order;
   - training: a random subset of at most `max_tensors_per_notesequence`, per
     piece and then over the sequence. The drum configs have no augmentation.
Windows are int64 step masks [n, window_steps] (bit c = class c hit); `to_tensors`
encodes them as magenta does (`encoding`): roll inputs with a "nothing hit" column,
and a 2**classes one-hot output (cat configs) or a roll output (NADE configs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.base.bit_inputs import BitInputs
from serenade.drums import encoding
from serenade.drums.classes import REDUCED, PitchClasses
from serenade.drums.diagnostics import DrumReport, PieceWindows
from serenade.drums.extraction import drum_hits, extract_drum_tracks
from serenade.drums.rendering import (OUTPUT_VELOCITY, window_to_magenta_sequence,
                                      windows_to_note_sequence)
from serenade.drums.windows import DrumWindow, first_at_most, magenta_order, slice_track
from serenade.melody.converter_base import ConverterBase
from serenade.melody.pieces import (LocatedWindow, bar_offsets, first_tempo, quantize_piece,
                                    split_on_time_changes)
from serenade.melody.windows import dedupe

Mode = Literal["infer", "eval", "train"]


@dataclass(frozen=True)
class DrumTensors:
    """What magenta's `to_tensors` returns (controls are empty for drums), plus the masks."""

    inputs: np.ndarray   # bool [n, steps, input_depth]
    outputs: np.ndarray  # bool [n, steps, output_depth]
    lengths: np.ndarray  # int32 [n]
    windows: np.ndarray  # int64 [n, steps] step masks


@dataclass(frozen=True)
class DrumsConverter(ConverterBase):
    """Settings of the drums converter; magenta's names where it has them."""

    slice_bars: int = 2
    steps_per_quarter: int = 4
    quarters_per_bar: int = 4
    gap_bars: float | None = 1.0
    max_bars: int | None = 100
    pitch_classes: PitchClasses = REDUCED
    roll_input: bool = False
    roll_output: bool = False
    max_tensors_per_notesequence: int | None = 5
    presplit_on_time_changes: bool = True

    def __post_init__(self) -> None:
        if self.slice_bars < 1:
            raise ValueError("slice_bars must be at least 1")
        if not self.roll_output and self.pitch_classes.num_classes > 16:
            raise ValueError(f"a one-hot output over 2**{self.pitch_classes.num_classes} "
                             "class combinations is too large; use roll_output")

    # -- sizes -------------------------------------------------------------------

    transpose_range = None  # drum configs never transpose (no note_sequence_augmenter)
    window_dtype = np.int64  # step masks

    @property
    def num_drum_classes(self) -> int:
        return self.pitch_classes.num_classes

    @property
    def input_depth(self) -> int:
        """10 for the 9 reduced classes with roll input (62 for the full map)."""
        c = self.num_drum_classes
        return c + 1 if self.roll_input else 1 << c

    @property
    def output_depth(self) -> int:
        """512 for the cat configs (one-hot), 9 or 61 for the NADE configs (roll)."""
        c = self.num_drum_classes
        return c if self.roll_output else 1 << c

    # -- what a model reads (serenade.conversion.protocol) ------------------------

    @property
    def num_classes(self) -> int:
        """Classes per step of a window: every combination of drum classes (a bit mask)."""
        return 1 << self.num_drum_classes

    @property
    def part_names(self) -> tuple[str, ...]:
        return ("drums",)

    @property
    def no_event_class(self) -> int:
        return 0  # no drum hit

    def starts_event(self, windows: np.ndarray) -> np.ndarray:
        """Boolean mask of the steps with at least one hit."""
        return np.asarray(windows) != 0

    @property
    def kit_pieces(self) -> tuple[str, ...]:
        """The drum classes (kit pieces) a step's class combines: bit c = `kit_pieces[c]`."""
        return self.pitch_classes.names

    def kit_hits(self, windows: np.ndarray) -> np.ndarray:
        """bool [..., steps, kit pieces]: which kit pieces each step hits."""
        return encoding.to_roll(np.asarray(windows, np.int64), self.num_drum_classes)

    @property
    def encoder_inputs(self) -> BitInputs | None:
        """The encoder reads a step's roll plus its 'nothing hit' bit (magenta's `roll_input`),
        or its one-hot (None)."""
        return BitInputs(self.num_drum_classes, nothing_bit=True) if self.roll_input else None

    @property
    def decoder_inputs(self) -> BitInputs | None:
        """A decoder is fed the step's hit bits for roll outputs (a NADE), its one-hot (None)
        otherwise."""
        return BitInputs(self.num_drum_classes) if self.roll_output else None

    # -- NoteSequence -> windows -----------------------------------------------

    def _pieces(self, sequence: music_pb2.NoteSequence) -> list[PieceWindows]:
        spb = self.steps_per_bar
        max_steps = spb * self.max_bars if self.max_bars else None
        result = []
        for index, piece in enumerate(split_on_time_changes(sequence,
                                                            self.presplit_on_time_changes)):
            found = PieceWindows(index)
            found.drum_notes = sum(1 for n in piece.notes if n.is_drum)
            result.append(found)
            quantized = found.piece = quantize_piece(piece, index, self.steps_per_quarter, None)
            if quantized.problem:
                found.problem = quantized.problem
                continue
            if quantized.steps_per_bar != spb:
                steps = quantized.steps_per_bar
                shown = int(steps) if float(steps).is_integer() else round(steps, 2)
                found.problem = quantized.problem = (
                    f"time signature {quantized.time_signature} gives {shown}-step bars; "
                    f"drum windows need {spb}-step bars (4/4 or 2/2)")
                continue
            hits = drum_hits(quantized.notes, self.pitch_classes)
            found.kept_hits = len(hits)
            tracks = extract_drum_tracks(hits, spb, gap_bars=self.gap_bars, min_bars=1,
                                         max_steps=max_steps, pad_end=True)
            found.tracks = len(tracks)
            for number, track in enumerate(tracks):
                for offset, events in slice_track(track.events, self.window_steps, spb):
                    found.windows.append(DrumWindow(events, index, track.start_step + offset,
                                                    number))
        return result

    def _windows_by_piece(self, sequence: music_pb2.NoteSequence
                          ) -> tuple[list[list[DrumWindow]], DrumReport]:
        """The distinct windows of each piece, in time order, and the report."""
        pieces = self._pieces(sequence)
        by_piece = [dedupe(piece.windows) for piece in pieces]
        return by_piece, DrumReport.of(sequence, pieces, slice_bars=self.slice_bars,
                                       gap_bars=self.gap_bars, pitch_classes=self.pitch_classes,
                                       windows=sum(len(windows) for windows in by_piece))

    def windows_with_origin(self, sequence: music_pb2.NoteSequence) -> list[DrumWindow]:
        """Every distinct window of each piece (inference), in time order, with its origin."""
        return [w for piece in self._pieces(sequence) for w in dedupe(piece.windows)]

    def located_windows(self, sequence: music_pb2.NoteSequence) -> list[LocatedWindow]:
        """Every window (inference order) with the bar and tempo where it starts; the track is
        the first drum track's (every drum track is merged into one part)."""
        pieces = self._pieces(sequence)
        offsets = bar_offsets([p.piece for p in pieces if p.piece is not None])
        drum_tracks = [n.instrument for n in sequence.notes if n.is_drum]
        track = min(drum_tracks) if drum_tracks else 0
        located = []
        for piece in pieces:
            offset, qpm = offsets.get(piece.index, (0, first_tempo(sequence)))
            for window in dedupe(piece.windows):
                located.append(LocatedWindow(np.asarray(window.events, np.int64), track,
                                             offset + window.start_step // self.steps_per_bar, qpm))
        return located

    def eval_windows(self, sequence: music_pb2.NoteSequence) -> list[DrumWindow]:
        """The windows magenta's converter gives outside training, in its order: the first
        `max_tensors_per_notesequence` per piece and then overall (all, without a cap)."""
        limit = self.max_tensors_per_notesequence
        chosen = []
        for piece in self._pieces(sequence):
            chosen.extend(first_at_most(magenta_order(piece.windows), limit))
        return first_at_most(chosen, limit)

    def to_windows(self, sequence: music_pb2.NoteSequence, *, training: bool = False,
                   rng: np.random.Generator | None = None) -> np.ndarray:
        """Windows as step masks, int64 [n, window_steps].

        Inference (default): every window, distinct within each piece, in time order.
        Training: at most `max_tensors_per_notesequence` drawn at random (per piece,
        then over the whole sequence, as magenta).
        """
        if training:
            rng = rng if rng is not None else np.random.default_rng()
            return self.draw_training_windows(self.training_pieces(sequence), rng)
        return self._stack([w.events for w in self.windows_with_origin(sequence)])

    # Training draws in two steps (see ConverterBase); magenta's drum configs do not augment.

    def training_pieces(self, sequence: music_pb2.NoteSequence, amount: int = 0
                        ) -> list[np.ndarray]:
        """The distinct windows of each piece (masks [n, window_steps] per piece)."""
        if amount:
            raise ValueError("drum windows cannot be transposed")
        return [self._stack([w.events for w in dedupe(piece.windows)])
                for piece in self._pieces(sequence)]

    def _stack(self, rows) -> np.ndarray:
        if not len(rows):
            return np.zeros((0, self.window_steps), dtype=np.int64)
        return np.asarray(rows, dtype=np.int64).reshape(len(rows), self.window_steps)

    # -- windows <-> tensors -------------------------------------------------------

    def inputs_for(self, windows) -> np.ndarray:
        """Encoder inputs (bool [..., steps, input_depth]) of mask windows."""
        c = self.num_drum_classes
        return (encoding.to_roll_input(windows, c) if self.roll_input
                else encoding.to_one_hot(windows, c))

    def outputs_for(self, windows) -> np.ndarray:
        """Decoder targets (bool [..., steps, output_depth]) of mask windows."""
        c = self.num_drum_classes
        return encoding.to_roll(windows, c) if self.roll_output else encoding.to_one_hot(windows, c)

    def windows_from_outputs(self, outputs) -> np.ndarray:
        """Decoder outputs -> masks: argmax of a one-hot / scores, or the non-zero roll entries."""
        outputs = np.asarray(outputs)
        if outputs.shape[-1] != self.output_depth:
            raise ValueError(f"expected outputs of depth {self.output_depth}, "
                             f"got shape {outputs.shape}")
        return encoding.from_roll(outputs) if self.roll_output else encoding.from_one_hot(outputs)

    def tensors_for(self, windows) -> DrumTensors:
        """Inputs, outputs and lengths of mask windows [steps] or [n, steps]."""
        windows = np.asarray(windows, dtype=np.int64).reshape(-1, self.window_steps)
        return DrumTensors(inputs=self.inputs_for(windows), outputs=self.outputs_for(windows),
                           lengths=np.full(len(windows), self.window_steps, dtype=np.int32),
                           windows=windows)

    def to_tensors(self, sequence: music_pb2.NoteSequence, mode: Mode = "infer",
                   rng: np.random.Generator | None = None) -> DrumTensors:
        """magenta's `to_tensors`: 'eval' = its eval/infer selection and order, 'train' = a
        random draw; 'infer' = Serenade's inference (every window, time order)."""
        if mode == "infer":
            windows = self.to_windows(sequence)
        elif mode == "eval":
            windows = self._stack([w.events for w in self.eval_windows(sequence)])
        elif mode == "train":
            windows = self.to_windows(sequence, training=True, rng=rng)
        else:
            raise ValueError(f"mode must be 'infer', 'eval' or 'train', not {mode!r}")
        return self.tensors_for(windows)

    # -- windows -> NoteSequence (and MIDI: ConverterBase.to_midi) -------------------

    def from_tensors(self, samples) -> list[music_pb2.NoteSequence]:
        """magenta's `from_tensors`: one NoteSequence per sample [steps, output_depth]."""
        return [window_to_magenta_sequence(mask, self.pitch_classes,
                                           steps_per_quarter=self.steps_per_quarter)
                for mask in self.windows_from_outputs(samples).reshape(-1, np.shape(samples)[-2])]

    def to_note_sequence(self, windows, *, qpm: float = 120.0, velocity: int = OUTPUT_VELOCITY,
                         program: int = 0) -> music_pb2.NoteSequence:
        """Masks [steps] or [n, steps] -> one drum NoteSequence; windows follow one another."""
        return windows_to_note_sequence(windows, self.pitch_classes,
                                        steps_per_quarter=self.steps_per_quarter,
                                        quarters_per_bar=self.quarters_per_bar, qpm=qpm,
                                        velocity=velocity, program=program)
