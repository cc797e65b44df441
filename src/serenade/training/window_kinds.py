"""Window kinds: the one place training knows what a config's windows are.

Two kinds, picked by the converter (`window_kind`):

- `ClassWindows` (melody, drums, trio, multi-track, chord-conditioned configs): int class
  windows [T] (or [T, P]), drawn by `ConverterBase.draw_training_windows` (transposition, at
  most `max_tensors_per_notesequence` windows), cast to `parts.index_dtype`; with controls, the
  float32 control vectors [T, control_depth] of the chords.
- `GrooveWindows` (GrooVAE): float32 (inputs, outputs, controls) [T, 27], [T, 27],
  [T, control_depth or 0] of the converter's "train" mode pitch classes; every window of a
  sequence (magenta's GrooveConverter never caps them), the encoder's inputs with a fresh note
  dropout per draw. The eval split uses the "eval" mode (the same training pitch classes). A
  sequence with a pitch outside those classes (magenta's training classes are the Roland
  TD-11 kit's, which leave out some General MIDI percussion, e.g. the hand clap, 39) is left
  out with a warning.

Each kind gives what the input pipeline (`training.dataset`), the job and the evaluation ask:
the element's dtypes and shapes, one sequence's training draw, its inference window count, the
eval arrays and the evaluation of a model on them. A training element is a tuple of arrays; one
array alone (class windows without controls) is passed as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import tensorflow as tf
from note_seq.protobuf import music_pb2

from serenade.base.tfrecords import DataError
from serenade.conversion import controls as ctl
from serenade.conversion.splits import LabelledWindows, labelled_windows
from serenade.conversion import GrooveConverter, UnmappedDrumPitch
from serenade.models.parts import index_dtype
from serenade.training import evaluation

LOG = logging.getLogger(__name__)


def parse_record(record: bytes, index: int) -> music_pb2.NoteSequence:
    """A serialized NoteSequence; DataError naming the record when it is not one."""
    try:
        return music_pb2.NoteSequence.FromString(record)
    except Exception as error:  # noqa: BLE001 - protobuf raises DecodeError or others
        raise DataError(f"record {index} is not a NoteSequence: {error}") from None


# Bytes of windows TrainingWindows keeps at most (2-bar windows are 64 bytes, 16-bar trio
# windows 1.5 KB); past it, draws convert afresh. Each kept array also counts an overhead.
MAX_CACHED_BYTES = 256 * 2**20
_ENTRY_OVERHEAD = 128


class TrainingWindows:
    """Training draws of each sequence, converting each (sequence, transposition) once while
    the kept windows fit in `max_cached_bytes`. `records` may be a `RecordIndex`: it is read,
    never copied."""

    def __init__(self, records: Sequence[bytes], converter,
                 max_cached_bytes: int = MAX_CACHED_BYTES):
        self.records = records
        self.converter = converter
        self.max_cached_bytes = max_cached_bytes
        self.cached_bytes = 0
        self._pieces: dict[tuple[int, int], list[np.ndarray]] = {}
        self._has_notes = np.full(len(records), -1, np.int8)  # unknown, no, yes per sequence

    def _pieces_of(self, index: int, amount: int) -> list[np.ndarray]:
        key = (index, amount)
        pieces = self._pieces.get(key)
        if pieces is None:
            # Parse on use: memory stays at the serialized size plus the kept windows.
            sequence = parse_record(self.records[index], index)
            pieces = self.converter.training_pieces(sequence, amount)
            size = _ENTRY_OVERHEAD + sum(p.nbytes + _ENTRY_OVERHEAD for p in pieces)
            if self.cached_bytes + size <= self.max_cached_bytes:
                self._pieces[key] = pieces
                self.cached_bytes += size
        return pieces

    def draw(self, index: int, rng: np.random.Generator):
        """int16 [n <= max_tensors_per_notesequence, T]: one training draw of sequence `index`
        (and its control classes, from a converter with controls)."""
        if self._has_notes[index] < 0:
            self._has_notes[index] = bool(parse_record(self.records[index], index).notes)
        has_notes = bool(self._has_notes[index])
        amount = self.converter.draw_transposition(has_notes, rng)
        return self.converter.draw_training_windows(self._pieces_of(index, amount), rng)


def eval_set(records: Sequence[bytes], converter, *, max_windows: int | None = None,
             seed: int = 0) -> LabelledWindows:
    """All inference class windows of the eval sequences (with their control classes, if any);
    a seeded subset when capped, taken while the records stream by."""
    sequences = (parse_record(record, index) for index, record in enumerate(records))
    return labelled_windows(sequences, converter, limit=max_windows, seed=seed)


@dataclass(frozen=True)
class EvalSet:
    """A split's eval arrays, as the kind's `evaluate` takes them (None: no controls)."""

    arrays: tuple[np.ndarray | None, ...]

    def __len__(self) -> int:
        return len(self.arrays[0])


@dataclass(frozen=True)
class Element:
    """dtype and per-window shape of each array of a training element."""

    dtypes: tuple[tf.DType, ...]
    shapes: tuple[tuple[int, ...], ...]


class ClassWindows:
    """Int class windows (with float32 control vectors when the config has controls)."""

    # whether `serenade.models.mlflow_model` (requests and answers of class windows) serves
    # the model
    mlflow_model = True

    def __init__(self, converter: Any):
        self.converter = converter
        self.depth = ctl.control_depth(converter)
        self.dtype = index_dtype(converter.part_depths)
        parts = len(converter.part_depths)
        self.shape = (converter.window_steps,) + ((parts,) if parts > 1 else ())

    @property
    def element(self) -> Element:
        if not self.depth:
            return Element((self.dtype,), (self.shape,))
        return Element((self.dtype, tf.float32),
                       (self.shape, (self.converter.window_steps, self.depth)))

    def count(self, sequence: music_pb2.NoteSequence) -> int:
        """Inference-mode windows of a sequence."""
        return len(ctl.split(self.converter.to_windows(sequence))[0])

    def drawer(self, records: Sequence[bytes]):
        """f(index, rng) -> the element arrays of one training draw of sequence `index`."""
        source = TrainingWindows(records, self.converter)

        def draw(index: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
            windows, classes = ctl.split(source.draw(index, rng))
            windows = np.asarray(windows, self.dtype.as_numpy_dtype).reshape((-1,) + self.shape)
            if not self.depth:
                return (windows,)
            return (windows, np.asarray(ctl.vectors(self.converter, classes), np.float32)
                    .reshape(-1, self.converter.window_steps, self.depth))

        return draw

    def eval_set(self, records: Sequence[bytes], *, max_windows: int | None, seed: int
                 ) -> EvalSet:
        """(windows of the index dtype, control vectors or None) of the inference windows."""
        found = eval_set(records, self.converter, max_windows=max_windows, seed=seed)
        return EvalSet((found.windows.astype(self.dtype.as_numpy_dtype),
                        ctl.vectors(self.converter, found.controls)))

    def evaluate(self, model, data: EvalSet, **settings: Any) -> dict[str, float]:
        windows, controls = data.arrays
        return evaluation.evaluate(model, windows, controls=controls, **settings)

    def encoder_inputs(self, data: EvalSet) -> tuple[np.ndarray, np.ndarray | None]:
        """What the model's `encode` takes of the set: (windows, controls)."""
        return data.arrays[0], data.arrays[1]


class GrooveWindows:
    """GrooVAE's float (inputs, outputs, controls) windows."""

    TRAIN_MODE = "train"
    EVAL_MODE = "eval"
    mlflow_model = False  # the pyfunc model's requests and answers are class windows

    def __init__(self, converter: GrooveConverter):
        if converter.window_steps is None:
            raise ValueError("a GrooVAE converter without split_bars gives one tensor per "
                             "sequence: training needs fixed-length windows")
        self.converter = converter
        steps = converter.window_steps
        self.element = Element((tf.float32,) * 3,
                               ((steps, converter.input_depth), (steps, converter.output_depth),
                                (steps, converter.control_depth)))

    def _grid(self, sequence: music_pb2.NoteSequence, index: int, mode: str):
        """The sequence's grid in `mode`, or None: no windows, or a pitch outside the mode's
        classes (magenta's converter raises there; a user's General MIDI kit often has one,
        so the sequence is left out with a warning rather than stopping the run)."""
        try:
            return self.converter.grid(sequence, mode)
        except UnmappedDrumPitch as error:
            LOG.warning("record %d left out of the %s windows: %s", index, mode, error)
            return None

    def _arrays(self, tensors) -> tuple[np.ndarray, ...]:
        return (tensors.inputs, tensors.outputs, tensors.controls.astype(np.float32))

    def _none(self) -> tuple[np.ndarray, ...]:
        return tuple(np.zeros((0,) + shape, np.float32) for shape in self.element.shapes)

    def count(self, sequence: music_pb2.NoteSequence) -> int:
        """Windows of a sequence in the "train" mode training draws from (0 when a pitch is
        outside its classes)."""
        try:
            return len(self.converter.to_tensors(sequence, self.TRAIN_MODE))
        except UnmappedDrumPitch:
            return 0

    def drawer(self, records: Sequence[bytes], max_cached_bytes: int = MAX_CACHED_BYTES):
        """f(index, rng) -> (inputs, outputs, controls) of every window of sequence `index`,
        the inputs with a note dropout drawn by `rng`. Each sequence's grid (the quantized
        performance) is kept while they fit in `max_cached_bytes`."""
        grids: dict[int, Any] = {}
        held = [0]

        def draw(index: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
            grid = grids.get(index, False)
            if grid is False:
                grid = self._grid(parse_record(records[index], index), index, self.TRAIN_MODE)
                size = _ENTRY_OVERHEAD + (grid.stacked().nbytes if grid is not None else 0)
                if held[0] + size <= max_cached_bytes:
                    grids[index] = grid
                    held[0] += size
            if grid is None:
                return self._none()
            return self._arrays(self.converter.tensors_for(grid, rng))

        return draw

    def eval_set(self, records: Sequence[bytes], *, max_windows: int | None, seed: int
                 ) -> EvalSet:
        """(inputs, outputs, controls) of every eval window ("eval" mode; the note dropout of
        configs with one drawn from `seed`); a seeded subset of `max_windows`, in order."""
        rng = np.random.default_rng(seed)
        parts: list[tuple[np.ndarray, ...]] = []
        for index, record in enumerate(records):
            grid = self._grid(parse_record(record, index), index, self.EVAL_MODE)
            if grid is not None:
                parts.append(self._arrays(self.converter.tensors_for(grid, rng)))
        if not parts:
            parts = [self._none()]
        arrays = tuple(np.concatenate(column) for column in zip(*parts))
        if max_windows is not None and len(arrays[0]) > max_windows:
            keep = np.sort(rng.choice(len(arrays[0]), max_windows, replace=False))
            arrays = tuple(a[keep] for a in arrays)
        return EvalSet(arrays)

    def evaluate(self, model, data: EvalSet, **settings: Any) -> dict[str, float]:
        settings.pop("loss_sampling_probability", None)  # GrooVAE trains teacher-forced
        return evaluation.evaluate_groove(model, *data.arrays, **settings)

    def encoder_inputs(self, data: EvalSet) -> tuple[np.ndarray, np.ndarray | None]:
        """What the model's `encode` takes of the set: (inputs, controls), the controls None
        for a config without them (its windows carry an empty control column)."""
        return data.arrays[0], data.arrays[2] if self.converter.control_depth else None


def window_kind(converter: Any) -> ClassWindows | GrooveWindows:
    """The window kind of a config's converter."""
    if isinstance(converter, GrooveConverter):
        return GrooveWindows(converter)
    return ClassWindows(converter)
