"""Input pipeline: NoteSequence TFRecords -> shuffled batches of windows (melody, drums: the
config's converter).

The records stay on disk: a job indexes the shard files once (`serenade.base.record_index`,
16 bytes a record) and every function here takes that index or a list of serialized records
alike (`Sequence[bytes]`), with the same results. Memory is then the index, the bounded
`TrainingWindows` cache and the shuffle buffer, whatever the number of sequences.

Training stream, per epoch: the sequences in a seeded order; each gives a training draw of the
config's converter (transposition when the config asks, at most 5 random windows) with its own
random generator seeded by (stream seed, epoch, sequence index); windows are shuffled through a
buffer, batched and prefetched. So augmentation is fresh every epoch (magenta cached the
converted windows, which froze the transposition and the window subset after epoch one) and the
same seed gives the same batches. A resumed run restarts the stream from a seed derived from
(seed, step).

The costly part of a draw (quantizing and extracting the melodies of one transposition) is
kept per (sequence, transposition) the first time it is needed (`TrainingWindows`, bounded
in bytes), so after the first epochs the input pipeline only draws from arrays and leaves the
CPU to the train step; the windows are exactly those of `converter.to_windows(sequence, training=True, rng=rng)`.

Evaluation: every window of every eval sequence in inference mode (no augmentation), optionally
capped to a seeded subset taken while the sequences stream by (at most about twice the cap
held), in a fixed order.

A config with controls (a chord per step) gets (windows, controls [B, T, control_depth]) batches
and its eval windows keep their control classes (`serenade.conversion.controls`).
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
import tensorflow as tf
from note_seq.protobuf import music_pb2

from serenade.base.tfrecords import DataError, read_serialized
from serenade.conversion import controls as ctl
from serenade.conversion.splits import LabelledWindows, labelled_windows
from serenade.models.parts import index_dtype

LOG = logging.getLogger(__name__)

# Windows from consecutive sequences sit together after conversion; magenta shuffles them
# through a buffer of 10 batches. Same here.
SHUFFLE_BATCHES = 10


def _parse(record: bytes, index: int) -> music_pb2.NoteSequence:
    try:
        return music_pb2.NoteSequence.FromString(record)
    except Exception as error:  # noqa: BLE001 - protobuf raises DecodeError or others
        raise DataError(f"record {index} is not a NoteSequence: {error}") from None


def stream_seed(seed: int, start_step: int = 0) -> int:
    """The data stream's seed: the run's seed at step 0, a seed derived from (seed, step) after."""
    if start_step == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(start_step)]).generate_state(1)[0] >> 1)


def windows_per_record(records: Sequence[bytes], converter) -> np.ndarray:
    """Inference-mode window count of each record (the supply training draws from)."""
    return np.array([len(ctl.split(converter.to_windows(_parse(r, i)))[0])
                     for i, r in enumerate(records)])


def require_windows(records: Sequence[bytes], converter, source: str) -> None:
    """Fail clearly when no training sequence yields a window (the stream would never end).

    Stops at the first sequence that yields one, so the usual case costs one conversion.
    """
    for index, record in enumerate(records):
        if len(ctl.split(converter.to_windows(_parse(record, index)))[0]):
            return
    raise DataError(f"{source}: none of the {len(records)} sequences yields a "
                    f"{converter.window_steps}-step window for this config (see the "
                    "data summary's window counts and `serenade extract` for why)")


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
            sequence = _parse(self.records[index], index)
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
            self._has_notes[index] = bool(_parse(self.records[index], index).notes)
        has_notes = bool(self._has_notes[index])
        amount = self.converter.draw_transposition(has_notes, rng)
        return self.converter.draw_training_windows(self._pieces_of(index, amount), rng)


def training_dataset(records: Sequence[bytes], converter, *, batch_size: int, seed: int,
                     start_step: int = 0, parallel_calls: int | None = None) -> tf.data.Dataset:
    """Endless stream of [batch_size, window_steps] batches for training: int32, or int64 for
    classes past int32 (`serenade.models.parts.index_dtype`); with controls, (windows, float32
    controls [batch_size, window_steps, control_depth]) pairs."""
    if not records:
        raise DataError("no training sequences: the train TFRecords are empty")
    source = TrainingWindows(records, converter)
    count = len(records)
    steps = converter.window_steps
    shape = [steps] + ([len(converter.part_depths)] if len(converter.part_depths) > 1 else [])
    dtype = index_dtype(converter.part_depths)
    base = stream_seed(seed, start_step)
    depth = ctl.control_depth(converter)

    def convert(epoch, index):
        index = int(index)
        rng = np.random.default_rng([base, int(epoch), index])
        windows, classes = ctl.split(source.draw(index, rng))
        windows = np.asarray(windows, dtype.as_numpy_dtype).reshape([-1] + shape)
        if not depth:
            return windows
        return windows, np.asarray(ctl.vectors(converter, classes), np.float32).reshape(
            [-1, steps, depth])

    def epoch_order(epoch):
        keys = tf.random.stateless_uniform([count], seed=tf.stack([tf.constant(base % 2**31,
                                                                               tf.int64), epoch]))
        order = tf.argsort(keys)
        return tf.data.Dataset.from_tensor_slices(order).map(lambda i: (epoch, tf.cast(i, tf.int64)))

    def to_windows(epoch, index):
        if depth:
            windows, controls = tf.numpy_function(convert, [epoch, index],
                                                  (dtype, tf.float32), stateful=False)
            windows.set_shape([None] + shape)
            controls.set_shape([None, steps, depth])
            return windows, controls
        windows = tf.numpy_function(convert, [epoch, index], dtype, stateful=False)
        windows.set_shape([None] + shape)
        return windows

    dataset = tf.data.Dataset.range(2**62).flat_map(epoch_order)
    dataset = dataset.map(to_windows, num_parallel_calls=parallel_calls or tf.data.AUTOTUNE,
                          deterministic=True)
    dataset = dataset.unbatch()
    dataset = dataset.shuffle(SHUFFLE_BATCHES * batch_size, seed=base % 2**31)
    dataset = dataset.batch(batch_size, drop_remainder=True)
    return dataset.prefetch(tf.data.AUTOTUNE)


def eval_set(records: Sequence[bytes], converter, *, max_windows: int | None = None,
             seed: int = 0) -> LabelledWindows:
    """All inference windows of the eval sequences (with their control classes, if any); a
    seeded subset when capped, taken while the records stream by."""
    sequences = (_parse(record, index) for index, record in enumerate(records))
    return labelled_windows(sequences, converter, limit=max_windows, seed=seed)


def eval_windows(records: Sequence[bytes], converter, *, max_windows: int | None = None,
                 seed: int = 0) -> np.ndarray:
    """All inference windows of the eval sequences, [N, T] of the model's index type (int32, or
    int64 past it); a seeded subset when capped."""
    found = eval_set(records, converter, max_windows=max_windows, seed=seed)
    return found.windows.astype(index_dtype(converter.part_depths).as_numpy_dtype)


def batch_parts(batch) -> tuple[tf.Tensor, tf.Tensor | None]:
    """(windows, controls or None) of a training batch."""
    if isinstance(batch, (tuple, list)):
        return batch[0], batch[1]
    return batch, None


def batches(windows: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Fixed-order batches of an eval array (the last one may be smaller)."""
    return [windows[i:i + batch_size] for i in range(0, len(windows), batch_size)]
