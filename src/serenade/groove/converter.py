"""GrooveConverter: drum performances <-> hit/velocity/offset tensors, as magenta's GrooveConverter.

Steps of `to_tensors` for one sequence (magenta's order; the sequence is not split at time
changes, and notes are taken from every track, drum or not, velocity 0 included):
1. quantize the whole sequence at `steps_per_quarter` (note-seq's rounding: a note within half a
   step before a grid step belongs to it); a sequence that cannot be quantized (a tempo or
   time-signature change, a negative time, a bad time signature) or whose bar is not
   `steps_per_quarter * quarters_per_bar` steps gives nothing;
2. map every note's pitch to its class (`pitch_classes`, or `inference_pitch_classes` in infer
   mode); a pitch in no class raises `UnmappedDrumPitch` (a KeyError, as magenta's);
3. no notes: nothing. Else a grid of (steps, classes) over whole bars, up to the bar of the last
   onset: per class and step the loudest note (the first listed among equally loud ones) gives
   hit 1, velocity / 127 and offset 2 * (grid time - onset) / step length (in [-1, 1]; positive:
   the note is early). The outputs are [hits | velocities | offsets] per step;
4. the inputs are the outputs, changed in this order: note dropout (a probability p drawn
   uniformly in [0, max_note_dropout_probability) per sequence, then each cell dropped with
   probability p * max(0.2, 1 - velocity)), tapify (each step keeps one hit, on the open hi-hat
   column 3: the class with the largest input velocity, with the values before dropout), humanize
   (velocities and offsets 0), fixed velocities (velocities 0), add_instruments (those classes
   0). Controls: the output hits (`hits_as_controls`), else none;
5. windows of `split_bars` bars every `hop_size` steps (default: the window), dropping a last
   partial window; without `split_bars` the whole grid is one tensor.
magenta's GrooveConverter never samples nor caps windows (its `max_tensors_per_notesequence` is
kept but unused), so training, evaluation and inference give the same windows; the mode only
picks the pitch classes. Only note dropout is random.

`from_tensors` is magenta's: one NoteSequence per sample at 120 qpm, a note per hit > 0.5 with
its class's first pitch, velocity round(v * 127) in 0..127 and onset (step - offset / 2) steps,
the offset clipped to [-0.5, 0.5] step, one step long (a first-step note played early starts
before 0, as magenta's). `to_note_sequence` lays windows end to end at any tempo for writing.
Not implemented (no GrooVAE config uses them): categorical velocities/offsets
(`num_velocity_bins`, `num_offset_bins`) and `split_instruments`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from note_seq import events_lib, sequences_lib
from note_seq.protobuf import music_pb2

from serenade.drums.classes import REDUCED, ROLAND, PitchClasses

Mode = Literal["infer", "eval", "train"]
Rng = np.random.Generator | np.random.RandomState

TAP_CLASS = 3  # magenta's tapify puts every hit on this column: the open hi-hat
DRUM_INSTRUMENT = 9
DEFAULT_QPM = 120.0

# What makes magenta's GrooveConverter give nothing instead of windows.
_QUANTIZE_ERRORS = (sequences_lib.BadTimeSignatureError, sequences_lib.NegativeTimeError,
                    sequences_lib.MultipleTimeSignatureError, sequences_lib.MultipleTempoError)


class UnmappedDrumPitch(KeyError):
    """A note's pitch is in none of the converter's pitch classes (magenta raises KeyError)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class GrooveGrid:
    """One sequence's hits, velocities and offsets: float64 [steps, classes] each."""

    hits: np.ndarray
    velocities: np.ndarray
    offsets: np.ndarray

    @property
    def steps(self) -> int:
        return self.hits.shape[0]

    def stacked(self) -> np.ndarray:
        """[steps, 3 * classes]: hits | velocities | offsets, magenta's tensor layout."""
        return np.concatenate([self.hits, self.velocities, self.offsets], axis=1)


@dataclass(frozen=True)
class GrooveTensors:
    """What magenta's `to_tensors` returns, as arrays."""

    inputs: np.ndarray    # float32 [n, T, 3 * classes]: the encoder's
    outputs: np.ndarray   # float32 [n, T, 3 * classes]: the decoder's targets
    controls: np.ndarray  # bool [n, T, control_depth]
    lengths: np.ndarray   # int32 [n]

    def __len__(self) -> int:
        return len(self.lengths)


@dataclass(frozen=True)
class GrooveConverter:
    """Settings of magenta's GrooveConverter, by its names (continuous outputs only)."""

    split_bars: int | None = None
    steps_per_quarter: int = 4
    quarters_per_bar: int = 4
    max_tensors_per_notesequence: int | None = 8  # kept as magenta does; never used
    pitch_classes: PitchClasses = ROLAND
    inference_pitch_classes: PitchClasses | None = None
    humanize: bool = False
    tapify: bool = False
    add_instruments: tuple[int, ...] = ()
    hop_size: int | None = None
    hits_as_controls: bool = False
    fixed_velocities: bool = False
    max_note_dropout_probability: float | None = None

    def __post_init__(self) -> None:
        infer = self.inference_pitch_classes or self.pitch_classes
        if infer.num_classes != self.pitch_classes.num_classes:
            raise ValueError("Training and inference must have the same number of pitch classes. "
                             f"Got: {self.pitch_classes.num_classes} vs {infer.num_classes}.")
        if self.split_bars is None and self.hop_size is not None:
            raise ValueError("Cannot set hop_size without setting split_bars")
        if self.split_bars is not None and self.split_bars < 1:
            raise ValueError("split_bars must be at least 1")
        if self.tapify and self.num_drums <= TAP_CLASS:
            raise ValueError(f"tapify writes class {TAP_CLASS}: it needs at least "
                             f"{TAP_CLASS + 1} pitch classes")
        bad = [c for c in self.add_instruments if not -self.num_drums <= c < self.num_drums]
        if bad:
            raise ValueError(f"add_instruments {bad} are not among the {self.num_drums} classes")
        p = self.max_note_dropout_probability
        if p is not None and not 0.0 <= p <= 1.0:
            raise ValueError("max_note_dropout_probability must be in [0, 1]")

    # -- sizes -------------------------------------------------------------------

    @property
    def num_drums(self) -> int:
        return self.pitch_classes.num_classes

    @property
    def steps_per_bar(self) -> int:
        return self.steps_per_quarter * self.quarters_per_bar

    @property
    def window_steps(self) -> int | None:
        """Steps per window: 64 for groovae_4bar, 32 for the 2-bar ones; None: the whole grid."""
        return None if self.split_bars is None else self.split_bars * self.steps_per_bar

    @property
    def input_depth(self) -> int:
        """27 with 9 classes: hit, velocity and offset of each."""
        return 3 * self.num_drums

    @property
    def output_depth(self) -> int:
        return 3 * self.num_drums

    @property
    def control_depth(self) -> int:
        """The classes' hits with `hits_as_controls`, else 0."""
        return self.num_drums if self.hits_as_controls else 0

    @property
    def note_dropout(self) -> bool:
        return self.max_note_dropout_probability is not None

    def classes_for(self, mode: Mode = "infer") -> PitchClasses:
        """A mode's pitch classes: the inference ones when inferring, else the training ones."""
        if mode not in ("infer", "eval", "train"):
            raise ValueError(f"Invalid mode: {mode}")
        if mode == "infer":
            return self.inference_pitch_classes or self.pitch_classes
        return self.pitch_classes

    # -- NoteSequence -> grid -------------------------------------------------------

    def grid(self, sequence: music_pb2.NoteSequence, mode: Mode = "infer") -> GrooveGrid | None:
        """The whole sequence's hit/velocity/offset grid; None when magenta gives nothing."""
        return self._grid(sequence, mode)[0]

    def explain(self, sequence: music_pb2.NoteSequence, mode: Mode = "infer") -> str:
        """Why `sequence` gives no windows; '' when it gives some."""
        grid, reason = self._grid(sequence, mode)
        if grid is None:
            return reason
        if self.window_steps is not None and grid.steps < self.window_steps:
            bars = grid.steps // self.steps_per_bar
            return (f"{bars} bar{'s' if bars != 1 else ''} of drums, shorter than a "
                    f"{self.split_bars}-bar window")
        return ""

    def _grid(self, sequence: music_pb2.NoteSequence, mode: Mode
              ) -> tuple[GrooveGrid | None, str]:
        classes = self.classes_for(mode)
        try:
            quantized = sequences_lib.quantize_note_sequence(sequence, self.steps_per_quarter)
            steps_per_bar = sequences_lib.steps_per_bar_in_quantized_sequence(quantized)
        except (*_QUANTIZE_ERRORS, events_lib.NonIntegerStepsPerBarError) as error:
            return None, f"cannot be quantized as one piece ({type(error).__name__}: {error})"
        if steps_per_bar != self.steps_per_bar:
            return None, (f"{steps_per_bar:g} steps per bar, not {self.steps_per_bar} "
                          f"({self.quarters_per_bar} quarters)")
        # magenta reads tempos[0] (and fails without one); note-seq quantized at 120 qpm then
        qpm = quantized.tempos[0].qpm if quantized.tempos else DEFAULT_QPM
        beat_length = 60. / qpm
        step_length = beat_length / self.steps_per_quarter

        chosen: dict[tuple[int, int], music_pb2.NoteSequence.Note] = {}
        for note in quantized.notes:
            drum = classes.class_of(note.pitch)
            if drum is None:
                raise UnmappedDrumPitch(f"pitch {note.pitch} is in none of the "
                                        f"{classes.name} drum pitch classes")
            key = (int(note.quantized_start_step), drum)
            best = chosen.get(key)
            if best is None or note.velocity > best.velocity:  # the first of the loudest
                chosen[key] = note
        if not quantized.notes:
            return None, "no notes"

        max_start_step = max(note.quantized_start_step for note in quantized.notes)
        total_bars = int(np.ceil((max_start_step + 1) / self.steps_per_bar))
        max_step = self.steps_per_bar * total_bars
        hits = np.zeros((max_step, self.num_drums))
        velocities = np.zeros((max_step, self.num_drums))
        offsets = np.zeros((max_step, self.num_drums))
        for (step, drum), note in chosen.items():
            hits[step, drum] = 1.
            velocities[step, drum] = note.velocity / 127.
            quantized_onset = step_length * note.quantized_start_step
            offsets[step, drum] = (quantized_onset - note.start_time) / step_length * 2
        return GrooveGrid(hits, velocities, offsets), ""

    # -- grid -> tensors ---------------------------------------------------------------

    def encoder_grid(self, grid: GrooveGrid, rng: Rng | None = None) -> GrooveGrid:
        """The encoder's view of a grid: dropout, tapify, humanize, fixed velocities and
        added instruments, in magenta's order. `rng` serves the note dropout only: an
        `np.random.RandomState` draws exactly as magenta (numpy's global state) does."""
        hits, velocities, offsets = (grid.hits.copy(), grid.velocities.copy(),
                                     grid.offsets.copy())
        if self.note_dropout:
            rng = rng if rng is not None else np.random.default_rng()
            probability = rng.uniform(0.0, self.max_note_dropout_probability)
            weights = np.maximum(0.2, (1 - velocities))
            keep = 1 - rng.binomial(1, weights * probability)
            hits *= keep
            velocities *= keep
            offsets *= keep
        if self.tapify:
            steps = np.arange(grid.steps)
            loudest = np.argmax(velocities, axis=1)
            hits[:] = 0
            velocities[:] = 0
            offsets[:] = 0
            hits[:, TAP_CLASS] = grid.hits[steps, loudest]
            velocities[:, TAP_CLASS] = grid.velocities[steps, loudest]
            offsets[:, TAP_CLASS] = grid.offsets[steps, loudest]
        if self.humanize:
            velocities[:] = 0
            offsets[:] = 0
        if self.fixed_velocities:
            velocities[:] = 0
        if self.add_instruments:
            removed = list(self.add_instruments)
            for values in (hits, velocities, offsets):
                values[:, removed] = 0.
        return GrooveGrid(hits, velocities, offsets)

    def _windows(self, values: np.ndarray) -> list[np.ndarray]:
        if self.window_steps is None:
            return [values]
        size, hop = self.window_steps, self.hop_size or self.window_steps
        return [values[i:i + size] for i in range(0, len(values) - size + 1, hop)]

    def tensors_for(self, grid: GrooveGrid, rng: Rng | None = None) -> GrooveTensors:
        """A grid's windows: encoder inputs, decoder outputs, controls."""
        outputs = self._windows(grid.stacked())
        inputs = self._windows(self.encoder_grid(grid, rng).stacked())
        if self.hits_as_controls:
            controls = self._windows(grid.hits.astype(bool))
        else:
            controls = [np.zeros((len(w), 0), bool) for w in outputs]
        return self._pack(inputs, outputs, controls)

    def _pack(self, inputs, outputs, controls) -> GrooveTensors:
        steps = len(outputs[0]) if outputs else (self.window_steps or 0)
        n = len(outputs)
        return GrooveTensors(
            inputs=np.asarray(inputs, np.float32).reshape(n, steps, self.input_depth),
            outputs=np.asarray(outputs, np.float32).reshape(n, steps, self.output_depth),
            controls=np.asarray(controls, bool).reshape(n, steps, self.control_depth),
            lengths=np.full(n, steps, np.int32))

    def to_tensors(self, sequence: music_pb2.NoteSequence, mode: Mode = "infer",
                   rng: Rng | None = None) -> GrooveTensors:
        """magenta's `to_tensors` in `mode` (which picks the pitch classes): every window, in
        order. `rng`: the note dropout's (see `encoder_grid`)."""
        grid = self.grid(sequence, mode)
        if grid is None:
            return self._pack([], [], [])
        return self.tensors_for(grid, rng)

    # -- tensors -> NoteSequence ---------------------------------------------------------

    def _add_notes(self, sequence: music_pb2.NoteSequence, sample: np.ndarray,
                   classes: PitchClasses, step_length: float, first_step: int = 0,
                   clamp: bool = False) -> None:
        for i in range(sample.shape[0]):
            hits, velocities, offsets = np.split(sample[i], 3)
            for j in range(len(hits)):
                if hits[j] > 0.5:
                    velocity = int(np.clip(int(np.round(velocities[j] * 127)), 0, 127))
                    offset = float(np.clip(offsets[j] / 2, -0.5, 0.5))
                    start = (first_step + i - offset) * step_length
                    if clamp:
                        start = max(0.0, start)
                    sequence.notes.add(instrument=DRUM_INSTRUMENT, is_drum=True,
                                       pitch=classes.exemplar(j), velocity=velocity,
                                       start_time=start, end_time=start + step_length)

    def from_tensors(self, samples, mode: Mode = "infer") -> list[music_pb2.NoteSequence]:
        """magenta's `from_tensors`: one NoteSequence per sample [T, 3 * classes], at 120 qpm
        (magenta's: notes and one tempo only, no total time)."""
        classes = self.classes_for(mode)
        step_length = 60. / DEFAULT_QPM / self.steps_per_quarter
        decoded = []
        for sample in samples:
            sample = np.asarray(sample)
            self._check_depth(sample)
            sequence = music_pb2.NoteSequence()
            sequence.tempos.add(qpm=DEFAULT_QPM)
            self._add_notes(sequence, sample, classes, step_length)
            decoded.append(sequence)
        return decoded

    def to_note_sequence(self, windows, *, qpm: float = DEFAULT_QPM, mode: Mode = "infer",
                         velocity: int | None = None, program: int | None = None
                         ) -> music_pb2.NoteSequence:
        """Windows [n, T, 3 * classes] (or one [T, 3 * classes]) laid end to end at `qpm`, as
        `from_tensors` decodes them, with a time signature and total time for writing: a note
        that would start before 0 starts at 0. `velocity` and `program` are the class-window
        converters' rendering settings (the generation jobs pass them): a performance keeps
        its own velocities and plays on the drum channel, so both are ignored."""
        windows = np.asarray(windows)
        if windows.ndim == 2:
            windows = windows[None]
        classes = self.classes_for(mode)
        sequence = music_pb2.NoteSequence()
        sequence.ticks_per_quarter = 220
        sequence.tempos.add(qpm=qpm)
        sequence.time_signatures.add(numerator=self.quarters_per_bar, denominator=4)
        step_length = 60. / qpm / self.steps_per_quarter
        first = 0
        for window in windows:
            self._check_depth(window)
            self._add_notes(sequence, window, classes, step_length, first, clamp=True)
            first += window.shape[0]
        sequence.total_time = max([first * step_length]
                                  + [note.end_time for note in sequence.notes])
        return sequence

    def _check_depth(self, sample: np.ndarray) -> None:
        if sample.ndim != 2 or sample.shape[1] != self.output_depth:
            raise ValueError(f"a sample is [steps, {self.output_depth}] (hits, velocities and "
                             f"offsets of {self.num_drums} classes), got {sample.shape}")


__all__ = ["GrooveConverter", "GrooveGrid", "GrooveTensors", "Mode", "REDUCED", "ROLAND",
           "UnmappedDrumPitch"]
