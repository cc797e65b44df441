"""An LSTM cell numerically identical to magenta's `LSTMBlockCell`, and helpers to run it.

magenta stores one kernel of shape [input + units, 4 * units] applied to the concatenation
[x, h], with the gate blocks in the order (input i, candidate c~, forget f, output o) and a
forget bias of +1.0 added at run time (not stored). No peepholes, no cell clipping.
Keeping that exact layout lets magenta checkpoints load without conversion.

The step is split in two so that callers can batch the input part over time (or replace a
one-hot input product with a row gather): `gates = input_projection + h @ recurrent_kernel`.
"""

from __future__ import annotations

import keras
import tensorflow as tf

FORGET_BIAS = 1.0
UNROLL_LIMIT = 64  # longer sequences run in a tf.while_loop instead of a Python-unrolled loop


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

    # The kernel's rows split into the part applied to x and the part applied to h.
    @property
    def input_kernel(self) -> tf.Tensor:
        return self.kernel[: self.input_size]

    @property
    def recurrent_kernel(self) -> tf.Tensor:
        return self.kernel[self.input_size:]

    def project_inputs(self, x: tf.Tensor) -> tf.Tensor:
        """x @ W_x + b for any leading shape (e.g. all time steps at once)."""
        flat = tf.reshape(x, [-1, self.input_size])
        projected = tf.matmul(flat, self.input_kernel) + self.bias
        return tf.reshape(projected, tf.concat([tf.shape(x)[:-1], [4 * self.units]], 0))

    def step(self, projected: tf.Tensor, h: tf.Tensor, c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """One step given the input projection (x @ W_x + b); returns the new (h, c)."""
        return lstm_gates(projected + tf.matmul(h, self.recurrent_kernel), c)

    def call(self, x: tf.Tensor, state: tuple[tf.Tensor, tf.Tensor]) -> tuple[tf.Tensor, tf.Tensor]:
        h, c = state
        return self.step(self.project_inputs(x), h, c)


def lstm_gates(gates: tf.Tensor, c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """LSTMBlockCell's update from the pre-activation gates [.., 4u] in (i, c~, f, o) order."""
    i, candidate, f, o = tf.split(gates, 4, axis=-1)
    new_c = tf.sigmoid(i) * tf.tanh(candidate) + tf.sigmoid(f + FORGET_BIAS) * c
    new_h = tf.tanh(new_c) * tf.sigmoid(o)
    return new_h, new_c


def run_recurrence(projected: tf.Tensor, recurrent_kernel: tf.Tensor, h: tf.Tensor,
                   c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Run the recurrence over time-major input projections [T, ..., 4u].

    `recurrent_kernel` is [u, 4u], or [k, u, 4u] with h/c [k, B, u] to run k independent
    LSTMs (e.g. both encoder directions) as one batched product per step.
    Returns (outputs h [T, ..., u], final h, final c).
    """
    steps = projected.shape[0]
    if steps is not None and steps <= UNROLL_LIMIT:
        # Unrolled, with a backward pass that forms each weight gradient as one product over
        # all steps (same forward numbers; see serenade.models.fused_lstm).
        from serenade.models.fused_lstm import fused_recurrence

        return fused_recurrence(projected, recurrent_kernel, h, c)

    steps = tf.shape(projected)[0]
    outputs = tf.TensorArray(projected.dtype, size=steps)

    def body(t, h, c, outputs):
        h, c = lstm_gates(projected[t] + tf.matmul(h, recurrent_kernel), c)
        return t + 1, h, c, outputs.write(t, h)

    _, h, c, outputs = tf.while_loop(
        lambda t, *_: t < steps, body, (tf.constant(0), h, c, outputs))
    return outputs.stack(), h, c


def split_initial_state(flat_state: tf.Tensor, units: list[int]) -> list[tuple[tf.Tensor, tf.Tensor]]:
    """Split tanh(Dense(z)) into per-layer (h, c), from magenta's flat order c0, h0, c1, h1, ..."""
    sizes = [size for u in units for size in (u, u)]
    parts = tf.split(flat_state, sizes, axis=-1)
    return [(parts[2 * j + 1], parts[2 * j]) for j in range(len(units))]
