"""The LSTM step, numerically identical to magenta's `LSTMBlockCell`, as a Keras layer.

The gate order, forget bias and variable names come from `serenade.models.magenta_layout`.
The step is split in two so that callers can batch the input part over time (or replace a
one-hot input product with a row gather): `gates = input_projection + h @ recurrent_kernel`.
Every TensorFlow path (the cell, `serenade.models.recurrence` and its fused backward) applies
`gate_activations` and `cell_update` below; the numpy decoder applies the same arithmetic in
its own fused kernels (`serenade.models.fast_kernels`) from the same layout.

Mixed precision (a `mixed_bfloat16` or `mixed_float16` Keras policy): the products run in the
weights' compute dtype, where the hardware is fast, while the gates, the cell state c and h stay
float32 (`STATE_DTYPE`). c is a running sum over up to 256 steps: kept in bfloat16 (8 mantissa
bits) it drifts, and on a CPU the elementwise gate arithmetic is no faster in 16 bits anyway.
Under float32 every cast below is a no-op.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from serenade.models import magenta_layout as layout

STATE_DTYPE = tf.float32


class LSTMBlockCell(keras.layers.Layer):
    """magenta's LSTMBlockCell: weights `kernel` [input_size + units, 4u] and `bias` [4u]."""

    def __init__(self, units: int, input_size: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units = int(units)
        self.input_size = int(input_size)

    def build(self, input_shape=None) -> None:
        if self.built:
            return
        self.kernel = self.add_weight(
            name="kernel", shape=(self.input_size + self.units, 4 * self.units),
            initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(4 * self.units,), initializer="zeros")
        super().build(input_shape)

    def magenta_variables(self, scope: str) -> dict[str, tf.Variable]:
        kernel, bias = layout.kernel_and_bias(scope)
        return {kernel: self.kernel, bias: self.bias}

    # The kernel's rows split into the part applied to x and the part applied to h.
    @property
    def input_kernel(self) -> tf.Tensor:
        return self.kernel[: self.input_size]

    @property
    def recurrent_kernel(self) -> tf.Tensor:
        return self.kernel[self.input_size:]

    def project_inputs(self, x: tf.Tensor) -> tf.Tensor:
        """x @ W_x + b for any leading shape (e.g. all time steps at once)."""
        flat = tf.cast(tf.reshape(x, [-1, self.input_size]), self.input_kernel.dtype)
        projected = tf.matmul(flat, self.input_kernel) + self.bias
        return tf.reshape(projected, tf.concat([tf.shape(x)[:-1], [4 * self.units]], 0))

    def step(self, projected: tf.Tensor, h: tf.Tensor, c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """One step given the input projection (x @ W_x + b); returns the new (h, c)."""
        return lstm_gates(recurrent_gates(projected, h, self.recurrent_kernel), c)

    def call(self, x: tf.Tensor, state: tuple[tf.Tensor, tf.Tensor]) -> tuple[tf.Tensor, tf.Tensor]:
        h, c = state
        return self.step(self.project_inputs(x), h, c)


class GateActivations(tuple):
    """(input, candidate, forget, output) after their nonlinearities, forget bias included."""

    input = property(lambda self: self[0])
    candidate = property(lambda self: self[1])
    forget = property(lambda self: self[2])
    output = property(lambda self: self[3])


def gate_activations(gates: tf.Tensor) -> GateActivations:
    """Split pre-activation gates [.., 4u] by magenta's layout and apply each nonlinearity."""
    blocks = tf.split(gates, len(layout.GATES), axis=-1)
    return GateActivations((tf.sigmoid(blocks[layout.INPUT]), tf.tanh(blocks[layout.CANDIDATE]),
                            tf.sigmoid(blocks[layout.FORGET] + layout.FORGET_BIAS),
                            tf.sigmoid(blocks[layout.OUTPUT])))


def cell_update(gates: GateActivations, c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """(new h, new c, tanh(new c)) from the activated gates and the previous cell state."""
    new_c = gates.input * gates.candidate + gates.forget * c
    squashed = tf.tanh(new_c)
    return squashed * gates.output, new_c, squashed


def recurrent_product(h: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    """h @ kernel computed in the kernel's dtype, returned in STATE_DTYPE."""
    return tf.cast(tf.matmul(tf.cast(h, kernel.dtype), kernel), STATE_DTYPE)


def recurrent_gates(projected: tf.Tensor, h: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    """Pre-activation gates in STATE_DTYPE: the input projection plus h @ recurrent kernel."""
    return tf.cast(projected, STATE_DTYPE) + recurrent_product(h, kernel)


def lstm_gates(gates: tf.Tensor, c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """LSTMBlockCell's update from pre-activation gates [.., 4u]: the new (h, c), in the gates'
    dtype (STATE_DTYPE when they come from `recurrent_gates`)."""
    new_h, new_c, _ = cell_update(gate_activations(gates), tf.cast(c, gates.dtype))
    return new_h, new_c


def split_initial_state(flat_state: tf.Tensor, units: list[int]) -> list[tuple[tf.Tensor, tf.Tensor]]:
    """Split tanh(Dense(z)) into per-layer (h, c), from magenta's flat order c0, h0, c1, h1, ..."""
    return [(flat_state[..., h], flat_state[..., c]) for h, c in layout.initial_state_columns(units)]
