"""Run an LSTM layer's recurrence over all time steps, given its input projections.

Short sequences (the 2-bar windows, and each bar of a hierarchical decoder) are unrolled with
the fused backward pass of `serenade.models.fused_lstm`; longer ones run in a `tf.while_loop`.
Both apply the same step (`serenade.models.lstm`).
"""

from __future__ import annotations

import tensorflow as tf

from serenade.models.fused_lstm import fused_recurrence
from serenade.models.lstm import lstm_gates

UNROLL_LIMIT = 64  # longer sequences run in a tf.while_loop instead of a Python-unrolled loop


def unrolls(steps: int | None) -> bool:
    """Whether a sequence of `steps` (None: unknown until run time) is unrolled in Python."""
    return steps is not None and steps <= UNROLL_LIMIT


def run_recurrence(projected: tf.Tensor, recurrent_kernel: tf.Tensor, h: tf.Tensor,
                   c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Run the recurrence over time-major input projections [T, ..., 4u].

    `recurrent_kernel` is [u, 4u], or [k, u, 4u] with h/c [k, B, u] to run k independent
    LSTMs (e.g. both encoder directions) as one batched product per step.
    Returns (outputs h [T, ..., u], final h, final c).
    """
    if unrolls(projected.shape[0]):
        return fused_recurrence(projected, recurrent_kernel, h, c)

    steps = tf.shape(projected)[0]
    outputs = tf.TensorArray(projected.dtype, size=steps)

    def body(t, h, c, outputs):
        h, c = lstm_gates(projected[t] + tf.matmul(h, recurrent_kernel), c)
        return t + 1, h, c, outputs.write(t, h)

    _, h, c, outputs = tf.while_loop(
        lambda t, *_: t < steps, body, (tf.constant(0), h, c, outputs))
    return outputs.stack(), h, c
