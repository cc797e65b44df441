"""Bidirectional LSTM encoder (magenta's `BidirectionalLstmEncoder`), 1..n layers.

Layer i runs a forward and a backward LSTMBlockCell over its input; their outputs, concatenated
per step, feed layer i+1. The encoding is the final h of the last layer's forward direction
concatenated with the final h of its backward direction (the state after reading the window
backwards, i.e. at its first step).

Windows arrive as class indices, [B, T] or [B, T, P] for several parts (`serenade.models.parts`).
The encoder reads each class as its one-hot vector by default (melody events; each part's one-hot
side by side for a trio), so the first layer's input product is a sum of kernel row gathers; or
as the bits of the class (`inputs`, a `serenade.base.bit_inputs.BitInputs`: a drum roll,
one bit per drum plus a "no hit" bit, as magenta's `roll_input`), expanded on the fly. An
encoder built with `input_depth` reads dense vectors instead: the upper levels of a
hierarchical encoder (`serenade.models.hierarchical_encoder`) read the encodings of the level
below. A config with controls (a chord per step) appends each step's control vector to its
input, as magenta's `MusicVAE.encode` concatenates [x, c]: its kernel rows follow the window's
(`magenta_layout.InputRows`).

Windows of several padded segments (magenta's multi-instrument performances: each track padded
with all-zero rows, class -1 here) come with their `lengths` [B]: as magenta's
`bidirectional_dynamic_rnn` with `sequence_length`, the forward direction's state is the one
after step length - 1 and the backward direction reads steps length - 1 .. 0 (the rows after
the length are never read); a length of 0 gives zeros.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from serenade.base.bit_inputs import BitInputs
from serenade.models import magenta_layout as layout
from serenade.models import multi_hot, parts
from serenade.models.lstm import LSTMBlockCell
from serenade.models.recurrence import run_recurrence


class BidirectionalEncoder(keras.layers.Layer):
    """Stacked bidirectional LSTM over one-hot event windows given as class indices."""

    def __init__(self, layer_sizes: list[int], part_depths: tuple[int, ...] = (90,),
                 dropout_keep_prob: float = 1.0, inputs: BitInputs | None = None,
                 input_depth: int | None = None, control_depth: int = 0, **kwargs) -> None:
        """`input_depth` makes an encoder of dense vectors [B, T, input_depth] (the encodings
        of a hierarchical encoder's lower level) instead of class indices."""
        super().__init__(**kwargs)
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.dense_inputs = input_depth is not None
        self.part_depths = () if self.dense_inputs else tuple(int(d) for d in part_depths)
        self.inputs = inputs
        if inputs is not None and (self.dense_inputs or len(self.part_depths) > 1):
            raise ValueError("bit inputs are for single-part windows of classes")
        if self.dense_inputs:
            self.input_depth = int(input_depth)
        else:
            self.input_depth = sum(self.part_depths) if inputs is None else inputs.depth
        self.rows = layout.InputRows(self.input_depth, control_depth=int(control_depth))
        self.dropout_keep_prob = float(dropout_keep_prob)
        # two lists (not a list of pairs) so that Keras tracks every cell's weights
        self.forward_cells: list[LSTMBlockCell] = []
        self.backward_cells: list[LSTMBlockCell] = []
        size_in = self.rows.size
        for i, units in enumerate(self.layer_sizes):
            self.forward_cells.append(LSTMBlockCell(units, size_in, name=f"cell_{i}_fw"))
            self.backward_cells.append(LSTMBlockCell(units, size_in, name=f"cell_{i}_bw"))
            size_in = 2 * units

    @property
    def cells(self) -> list[tuple[LSTMBlockCell, LSTMBlockCell]]:
        return list(zip(self.forward_cells, self.backward_cells))

    @property
    def output_depth(self) -> int:
        return 2 * self.layer_sizes[-1]

    def build(self, input_shape=None) -> None:
        for fw, bw in self.cells:
            fw.build()
            bw.build()
        super().build(input_shape)

    def magenta_variables(self, prefix: str = layout.ENCODER) -> dict[str, tf.Variable]:
        names = {}
        for i, (fw, bw) in enumerate(self.cells):
            names.update(fw.magenta_variables(layout.encoder_cell_scope(i, "fw", prefix)))
            names.update(bw.magenta_variables(layout.encoder_cell_scope(i, "bw", prefix)))
        return names

    def _gathered(self, kernel: tf.Tensor, classes: tf.Tensor) -> tf.Tensor:
        """The input product of class indices [.., P]: each part's input rows times its block
        of the input kernel, gathered and added up -> [.., 4u]."""
        kernel = kernel[self.rows.tokens]
        if self.inputs is not None:
            return multi_hot.input_product(classes[..., 0], self.inputs, kernel)
        total = None
        for k, (start, depth) in enumerate(zip(parts.offsets(self.part_depths), self.part_depths)):
            # a padding row (-1) is all zeros: it reads a zero row after the class rows
            block = tf.pad(kernel[start:start + depth], [[0, 1], [0, 0]])
            rows = tf.gather(block, tf.where(classes[..., k] < 0,
                                             tf.constant(depth, classes.dtype), classes[..., k]))
            total = rows if total is None else total + rows
        return total

    def _inputs(self, classes: tf.Tensor) -> tf.Tensor:
        """The dense input vectors of class indices [.., P] -> [.., input_depth]."""
        if self.inputs is not None:
            return multi_hot.input_vectors(classes[..., 0], self.inputs, self.compute_dtype)
        return tf.concat([tf.one_hot(classes[..., k], depth, dtype=self.compute_dtype)
                          for k, depth in enumerate(self.part_depths)], axis=-1)

    def _dropout(self, x: tf.Tensor, training: bool) -> tf.Tensor:
        if training and self.dropout_keep_prob < 1.0:
            return tf.nn.dropout(x, rate=1.0 - self.dropout_keep_prob)
        return x

    def call(self, windows: tf.Tensor, controls: tf.Tensor | None = None,
             training: bool = False, lengths: tf.Tensor | None = None) -> tf.Tensor:
        """windows: int [B, T] (or [B, T, P]) event classes (and controls [B, T, control_depth]
        when the config has them), or float [B, T, input_depth] vectors for a dense encoder
        -> encoding [B, 2 * last layer size]. `lengths` int [B]: steps of each row to read
        (default: all)."""
        windows = tf.convert_to_tensor(windows)
        if self.dense_inputs:
            inputs = self._dropout(tf.transpose(windows, [1, 0, 2]), training)  # [T, B, D]
            return self._run(lambda cell: cell.project_inputs(inputs), tf.shape(windows)[0],
                             training, lengths)
        windows = parts.as_parts(windows, self.part_depths)
        time_major = tf.transpose(windows, [1, 0, 2])  # [T, B, P]
        controls_t = None
        if self.rows.control_depth:
            if controls is None:
                raise ValueError("this encoder reads a control vector per step: controls missing")
            controls_t = tf.transpose(tf.cast(controls, self.compute_dtype), [1, 0, 2])
        if training and self.dropout_keep_prob < 1.0:
            inputs = self._inputs(time_major)
            if controls_t is not None:
                inputs = tf.concat([inputs, controls_t], axis=-1)
            inputs = self._dropout(inputs, training)
            return self._run(lambda cell: cell.project_inputs(inputs), tf.shape(windows)[0],
                             training, lengths)

        def project(cell: LSTMBlockCell) -> tf.Tensor:
            # a class's input row times the kernel == a row gather of rows @ kernel
            product = self._gathered(cell.input_kernel, time_major) + cell.bias
            if controls_t is not None:
                product += tf.einsum("tbc,cg->tbg", controls_t, cell.kernel[self.rows.controls])
            return product

        return self._run(project, tf.shape(windows)[0], training, lengths)

    def _run(self, project_first, batch: tf.Tensor, training: bool,
             lengths: tf.Tensor | None = None) -> tf.Tensor:
        """The stacked layers, given the first layer's input projection of each cell; with
        `lengths` [B], each row's first `lengths` steps only."""
        if lengths is None:
            reverse = lambda x: tf.reverse(x, axis=[0])  # noqa: E731
        else:
            lengths = tf.cast(lengths, tf.int32)
            reverse = lambda x: tf.reverse_sequence(x, lengths, seq_axis=0,  # noqa: E731
                                                    batch_axis=1)
        layer_input = None  # dense time-major input of layers after the first
        for i, (fw, bw) in enumerate(self.cells):
            if i == 0:
                proj_fw, proj_bw = project_first(fw), project_first(bw)
            else:
                dropped = self._dropout(layer_input, training)
                proj_fw = fw.project_inputs(dropped)
                proj_bw = bw.project_inputs(dropped)
            # Both directions as one batched product per step: stack along a leading axis.
            projected = tf.stack([proj_fw, reverse(proj_bw)], axis=1)  # [T, 2, B, 4u]
            kernel = tf.stack([fw.recurrent_kernel, bw.recurrent_kernel])  # [2, u, 4u]
            zeros = tf.zeros([2, batch, fw.units], dtype=projected.dtype)
            outputs, h, _ = run_recurrence(projected, kernel, zeros, zeros)
            if i + 1 < len(self.cells):
                layer_input = tf.concat([outputs[:, 0], reverse(outputs[:, 1])],
                                        axis=-1)  # [T, B, 2u]
        if lengths is None:
            return tf.concat([h[0], h[1]], axis=-1)
        # the state after each row's last step (zeros for an empty row), both directions
        last = tf.gather(tf.transpose(outputs, [2, 0, 1, 3]), tf.maximum(lengths - 1, 0),
                         batch_dims=1)  # [B, 2, u]
        last = tf.where((lengths > 0)[:, None, None], last, tf.zeros_like(last))
        return tf.cast(tf.concat([last[:, 0], last[:, 1]], axis=-1), h.dtype)
