"""Hierarchical encoder (magenta's `HierarchicalLstmEncoder`): bidirectional encoders stacked
over segments, as the `hier-*` configs encode 16 bars.

`level_lengths` are magenta's, lowest level first: level 0 splits the window into segments of
`level_lengths[0]` steps (a bar) and encodes each one alone, level 1 reads the sequence of
those encodings in groups of `level_lengths[1]`, and so on until one encoding is left (their
product is the window length). Each level is one `BidirectionalEncoder` with the config's
`enc_rnn_size`, its weights shared by all of its segments (magenta's AUTO_REUSE scope
`encoder/hierarchical_level_<i>`), so a level runs its segments as one batch.

With `control_depth` (magenta's `_chords` multi-instrument configs) level 0 reads each step's
control vector beside its event, as magenta's `MusicVAE.encode` concatenates [x, c] before the
hierarchy. With `padded` (magenta's multi-instrument performances: each track a segment padded
with all-zero rows, class -1) each level-0 segment is read up to its length, the count of its
rows that are not padding (magenta's per-segment `sequence_length`); the levels above read
every encoding. A train step that knows no segment of its batch is longer than `segment_rows`
passes it, and level 0 reads only those first rows: the same encoding, without running the
recurrence over rows that are all padding (a one-bar track holds ~9 events of its 64 rows).
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from serenade.models import magenta_layout as layout
from serenade.models import parts
from serenade.models.encoder import BidirectionalEncoder

# A train step runs padded segments in multiples of this many rows (`MusicVAE.rows_needed`):
# one trace per multiple (4 for a 64-row track), each skipping the rows past the batch's
# longest track.
ROW_BUCKET = 16


class HierarchicalEncoder(keras.layers.Layer):
    """Bidirectional encoders over segments of segments: classes [B, T(, P)] -> [B, 2u]."""

    def __init__(self, layer_sizes: list[int], level_lengths: tuple[int, ...],
                 part_depths: tuple[int, ...] = (90,), dropout_keep_prob: float = 1.0,
                 inputs=None, control_depth: int = 0, padded: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.level_lengths = tuple(int(n) for n in level_lengths)
        self.part_depths = tuple(int(d) for d in part_depths)
        self.control_depth = int(control_depth)
        self.padded = bool(padded)
        self.levels: list[BidirectionalEncoder] = [BidirectionalEncoder(
            layer_sizes, self.part_depths, dropout_keep_prob, inputs=inputs,
            control_depth=self.control_depth, name="hierarchical_level_0")]
        for i in range(1, len(self.level_lengths)):
            self.levels.append(BidirectionalEncoder(
                layer_sizes, dropout_keep_prob=dropout_keep_prob,
                input_depth=self.levels[-1].output_depth, name=f"hierarchical_level_{i}"))

    @property
    def window_steps(self) -> int:
        return math.prod(self.level_lengths)

    @property
    def output_depth(self) -> int:
        return self.levels[-1].output_depth

    def build(self, input_shape=None) -> None:
        for level in self.levels:
            level.build()
        super().build(input_shape)

    def magenta_variables(self, prefix: str = layout.ENCODER) -> dict[str, tf.Variable]:
        names = {}
        for i, level in enumerate(self.levels):
            names.update(level.magenta_variables(layout.hierarchical_encoder_level(i, prefix)))
        return names

    def call(self, windows: tf.Tensor, controls: tf.Tensor | None = None,
             training: bool = False, segment_rows: int | None = None,
             frozen_levels: int = 0) -> tf.Tensor:
        """windows: int [B, T] (or [B, T, P]) event classes (and controls [B, T,
        control_depth] when the encoder has them) -> encoding [B, output_depth].
        `segment_rows` (padded windows only): no level-0 segment of this batch has more rows
        that are not padding; level 0 reads that many rows of each (checked when run).
        `frozen_levels`: the encodings of that many of the lowest levels pass no gradient, so
        a train step leaves those levels as they are and skips their backward pass (a level
        taught by a trained model, `bar_teacher`)."""
        return self.with_lowest(windows, controls, training=training, segment_rows=segment_rows,
                                frozen_levels=frozen_levels)[0]

    def with_lowest(self, windows: tf.Tensor, controls: tf.Tensor | None = None,
                    training: bool = False, segment_rows: int | None = None,
                    frozen_levels: int = 0) -> tuple[tf.Tensor, tf.Tensor]:
        """As `call`, with the level-0 encodings [B * segments, depth] beside the encoding (a
        level taught by a trained model encodes as its teacher: `bar_teacher`)."""
        if segment_rows is not None and not self.padded:
            raise ValueError("segment_rows is for windows of padded segments")
        if bool(self.control_depth) != (controls is not None):
            raise ValueError("controls missing" if self.control_depth else
                             "this hierarchical encoder takes no controls")
        sequence = parts.as_parts(tf.convert_to_tensor(windows), self.part_depths)
        if sequence.shape[1] is not None and sequence.shape[1] != self.window_steps:
            raise ValueError(f"a hierarchical encoder of levels {list(self.level_lengths)} reads "
                             f"windows of {self.window_steps} steps, got {sequence.shape[1]}")
        batch = tf.shape(sequence)[0]
        for i, (level, length) in enumerate(zip(self.levels, self.level_lengths)):
            # every segment of every window as one batch: [B * segments, length, depth]
            segments = tf.reshape(sequence, [-1, length, sequence.shape[-1]])
            extra = {}
            if i == 0:
                if controls is not None:
                    extra["controls"] = tf.reshape(controls, [-1, length, self.control_depth])
                if self.padded:
                    lengths = tf.reduce_sum(tf.cast(segments[..., 0] >= 0, tf.int32), axis=1)
                    extra["lengths"] = lengths
                if segment_rows is not None and segment_rows < length:
                    tf.debugging.assert_less_equal(
                        tf.reduce_max(lengths), tf.constant(segment_rows, tf.int32),
                        message=f"a segment is longer than segment_rows={segment_rows}")
                    segments = segments[:, :segment_rows]
                    if controls is not None:
                        extra["controls"] = extra["controls"][:, :segment_rows]
            encoded = level(segments, training=training, **extra)
            if i < frozen_levels:
                encoded = tf.stop_gradient(encoded)
            sequence = tf.reshape(encoded, [batch, -1, level.output_depth])
            if i == 0:
                lowest = encoded
        return sequence[:, 0], lowest
