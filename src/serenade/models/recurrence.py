"""Run an LSTM layer's recurrence over all time steps, given its input projections.

Sequences of a length known when the graph is built are unrolled with the fused backward pass
of `serenade.models.fused_lstm`, in chunks of at most UNROLL_LIMIT steps whose final state
starts the next chunk (so a 16-bar window's 256 steps keep the batched weight gradients);
sequences of unknown length run in a `tf.while_loop`. Both apply the same step
(`serenade.models.lstm`).
"""

from __future__ import annotations

import tensorflow as tf

from serenade.models.fused_lstm import fused_recurrence
from serenade.models.lstm import STATE_DTYPE, lstm_gates, recurrent_gates

UNROLL_LIMIT = 64  # steps per fused chunk; the step-by-step decoder loops unroll this many


def unrolls(steps: int | None) -> bool:
    """Whether a sequence of `steps` (None: unknown until run time) is unrolled in Python."""
    return steps is not None and steps <= UNROLL_LIMIT


def run_recurrence(projected: tf.Tensor, recurrent_kernel: tf.Tensor, h: tf.Tensor,
                   c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Run the recurrence over time-major input projections [T, ..., 4u].

    `recurrent_kernel` is [u, 4u], or [k, u, 4u] with h/c [k, B, u] to run k independent
    LSTMs (e.g. both encoder directions) as one batched product per step.
    Returns (outputs h [T, ..., u] in the kernel's dtype, final h, final c in STATE_DTYPE).
    """
    steps = projected.shape[0]
    if unrolls(steps):
        return fused_recurrence(projected, recurrent_kernel, h, c)
    if steps is not None:
        chunks = []
        for start in range(0, steps, UNROLL_LIMIT):
            outputs, h, c = fused_recurrence(projected[start:start + UNROLL_LIMIT],
                                             recurrent_kernel, h, c)
            chunks.append(outputs)
        return tf.concat(chunks, axis=0), h, c

    steps = tf.shape(projected)[0]
    outputs = tf.TensorArray(recurrent_kernel.dtype, size=steps)

    def body(t, h, c, outputs):
        h, c = lstm_gates(recurrent_gates(projected[t], h, recurrent_kernel), c)
        return t + 1, h, c, outputs.write(t, tf.cast(h, recurrent_kernel.dtype))

    h, c = tf.cast(h, STATE_DTYPE), tf.cast(c, STATE_DTYPE)
    _, h, c, outputs = tf.while_loop(
        lambda t, *_: t < steps, body, (tf.constant(0), h, c, outputs))
    return outputs.stack(), h, c
