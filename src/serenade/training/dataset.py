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
and its eval windows keep their control classes (`serenade.conversion.controls`). A GrooVAE
config gets float32 (inputs, outputs, controls) batches, every window of a sequence with a fresh
note dropout per draw; what differs per kind of window is in `serenade.training.window_kinds`.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
import tensorflow as tf

from serenade.base.tfrecords import DataError, read_serialized  # noqa: F401 - re-exported
from serenade.models.objective import batch_parts  # noqa: F401 - re-exported
from serenade.training.window_kinds import (MAX_CACHED_BYTES, ClassWindows,  # noqa: F401
                                            TrainingWindows, eval_set, window_kind)
from serenade.training.window_kinds import parse_record as _parse

LOG = logging.getLogger(__name__)

# Windows from consecutive sequences sit together after conversion; magenta shuffles them
# through a buffer of 10 batches. Same here.
SHUFFLE_BATCHES = 10


def stream_seed(seed: int, start_step: int = 0) -> int:
    """The data stream's seed: the run's seed at step 0, a seed derived from (seed, step) after."""
    if start_step == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(start_step)]).generate_state(1)[0] >> 1)


def windows_per_record(records: Sequence[bytes], converter) -> np.ndarray:
    """Window count of each record, the supply training draws from (the window kind's `count`:
    inference-mode class windows, GrooVAE's "train" mode windows)."""
    kind = window_kind(converter)
    return np.array([kind.count(_parse(r, i)) for i, r in enumerate(records)])


def require_windows(records: Sequence[bytes], converter, source: str) -> None:
    """Fail clearly when no training sequence yields a window (the stream would never end).

    Stops at the first sequence that yields one, so the usual case costs one conversion.
    """
    kind = window_kind(converter)
    for index, record in enumerate(records):
        if kind.count(_parse(record, index)):
            return
    raise DataError(f"{source}: none of the {len(records)} sequences yields a "
                    f"{converter.window_steps}-step window for this config (see the "
                    "data summary's window counts and `serenade extract` for why)")


def training_dataset(records: Sequence[bytes], converter, *, batch_size: int, seed: int,
                     start_step: int = 0, parallel_calls: int | None = None) -> tf.data.Dataset:
    """Endless stream of batches of the converter's window kind (`window_kinds`): class
    windows [batch_size, window_steps] (int32, or int64 for classes past int32), with controls
    (windows, float32 controls [batch_size, window_steps, control_depth]) pairs; GrooVAE
    float32 (inputs, outputs, controls) triples."""
    if not records:
        raise DataError("no training sequences: the train TFRecords are empty")
    kind = window_kind(converter)
    draw = kind.drawer(records)
    element = kind.element
    count = len(records)
    base = stream_seed(seed, start_step)

    # Arrays with no values (a GrooVAE config's controls without controls: [n, T, 0]) are added
    # to the batches at the end: TensorFlow 2.21 crashes on an empty-width tensor passed
    # through numpy_function, unbatch or shuffle.
    carried = [k for k, shape in enumerate(element.shapes) if 0 not in shape]

    def convert(epoch, index):
        index = int(index)
        arrays = draw(index, np.random.default_rng([base, int(epoch), index]))
        return [arrays[k] for k in carried]

    def epoch_order(epoch):
        keys = tf.random.stateless_uniform([count], seed=tf.stack([tf.constant(base % 2**31,
                                                                               tf.int64), epoch]))
        order = tf.argsort(keys)
        return tf.data.Dataset.from_tensor_slices(order).map(lambda i: (epoch, tf.cast(i, tf.int64)))

    def to_windows(epoch, index):
        arrays = tf.numpy_function(convert, [epoch, index], [element.dtypes[k] for k in carried],
                                   stateful=False)
        for array, k in zip(arrays, carried):
            array.set_shape((None,) + tuple(element.shapes[k]))
        return arrays[0] if len(arrays) == 1 else tuple(arrays)

    def completed(*batch):
        """The batch with the empty arrays the pipeline left out."""
        rows = tf.shape(batch[0])[0]
        arrays = iter(batch)
        return tuple(next(arrays) if k in carried else
                     tf.zeros((rows,) + tuple(element.shapes[k]), element.dtypes[k])
                     for k in range(len(element.shapes)))

    dataset = tf.data.Dataset.range(2**62).flat_map(epoch_order)
    dataset = dataset.map(to_windows, num_parallel_calls=parallel_calls or tf.data.AUTOTUNE,
                          deterministic=True)
    dataset = dataset.unbatch()
    dataset = dataset.shuffle(SHUFFLE_BATCHES * batch_size, seed=base % 2**31)
    dataset = dataset.batch(batch_size, drop_remainder=True)
    if len(carried) < len(element.shapes):
        dataset = dataset.map(completed)
    return dataset.prefetch(tf.data.AUTOTUNE)


def eval_windows(records: Sequence[bytes], converter, *, max_windows: int | None = None,
                 seed: int = 0) -> np.ndarray:
    """All inference windows of the eval sequences, [N, T] of the model's index type (int32, or
    int64 past it); a seeded subset when capped."""
    return ClassWindows(converter).eval_set(records, max_windows=max_windows, seed=seed).arrays[0]


def batches(windows: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Fixed-order batches of an eval array (the last one may be smaller)."""
    return [windows[i:i + batch_size] for i in range(0, len(windows), batch_size)]
