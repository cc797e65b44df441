"""Windows with several parts per step, as a trio's melody, bass and drums.

A single-part window is int [T] of classes (melody events, drum combinations); a multi-part one
is int [T, P], part k a class among `depths[k]`. Logits are always [.., sum(depths)], the parts'
blocks side by side in part order (magenta's concatenated one-hots), and each part is its own
softmax: the loss of a step is the sum of its parts' cross-entropies (magenta's
`MultiOutCategoricalLstmDecoder` and `SplitMultiOutLstmDecoder`).
Classes are int32, or int64 where a part has more classes than int32 holds (the 2**61 drum
combinations of nade-drums_2bar_full, bit masks read through `serenade.models.multi_hot`).
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf


def offsets(depths: Sequence[int]) -> list[int]:
    """Where each part's block starts in the concatenated logits."""
    starts, total = [], 0
    for depth in depths:
        starts.append(total)
        total += int(depth)
    return starts


def index_dtype(depths: Sequence[int]) -> tf.DType:
    """The integer type of the classes of parts with these depths: int32, or int64 beyond it."""
    return tf.int32 if max(int(d) for d in depths) <= 2**31 - 1 else tf.int64


def as_parts(windows: tf.Tensor, depths: Sequence[int]) -> tf.Tensor:
    """int [B, T] (one part) or [B, T, P] -> [B, T, P] of `index_dtype(depths)`."""
    windows = tf.cast(windows, index_dtype(depths))
    if len(depths) == 1 and windows.shape.rank == 2:
        return windows[..., None]
    return windows


def cross_entropy(targets: tf.Tensor, logits: tf.Tensor, depths: Sequence[int]) -> tf.Tensor:
    """Per-step cross-entropy summed over parts: targets [B, T(, P)], logits [B, T, sum] -> [B, T].
    A padding step (class -1: an all-zero row of magenta's padded multi-instrument windows,
    past a track's length) costs nothing, as magenta's loss counts each track's length only."""
    logits = tf.cast(logits, tf.float32)
    targets = as_parts(targets, depths)
    blocks = tf.split(logits, list(depths), axis=-1)
    losses = []
    for k, block in enumerate(blocks):
        labels = targets[..., k]
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.maximum(labels, 0),
                                                              logits=block)
        losses.append(tf.where(labels >= 0, loss, tf.zeros_like(loss)))
    return tf.add_n(losses)


def predicted(logits: tf.Tensor, depths: Sequence[int]) -> tf.Tensor:
    """The argmax class of each part: [B, T] for one part, [B, T, P] for several."""
    blocks = tf.split(logits, list(depths), axis=-1)
    classes = [tf.argmax(block, axis=-1, output_type=tf.int32) for block in blocks]
    return classes[0] if len(classes) == 1 else tf.stack(classes, axis=-1)


def sample(logits: tf.Tensor, depths: Sequence[int]) -> tf.Tensor:
    """One class per part drawn at temperature 1 from logits [B, sum] -> int32 [B, P]."""
    blocks = tf.split(logits, list(depths), axis=-1)
    return tf.stack([tf.cast(tf.random.categorical(block, 1)[:, 0], tf.int32) for block in blocks],
                    axis=-1)
