"""LSTMBlockCell recurrence with a hand-written backward pass that batches weight gradients.

Autodiff of a step-by-step recurrence forms the recurrent weight gradient as T separate products
h_{t-1}^T @ dgates_t, each with an inner dimension of only the batch size (64): on a CPU those
run far below matmul peak. Here the backward pass walks time in reverse computing only the
gate gradients (dgates_t, and dh_{t-1} = dgates_t @ W^T), then forms the weight gradient as ONE
product over all steps: [h_0 .. h_{T-1}]^T @ [dgates_1 .. dgates_T], inner dimension T * batch.
This is what fused RNN kernels (cuDNN, BlockLSTM) do.

The forward pass is the same sequence of operations as `serenade.models.lstm.run_recurrence`
(bit-identical outputs); gradients equal autodiff's up to float summation order.
`run_recurrence` uses it for unrolled sequences.
"""

from __future__ import annotations

import tensorflow as tf

from serenade.models.lstm import FORGET_BIAS


def fused_recurrence(projected: tf.Tensor, recurrent_kernel: tf.Tensor, h: tf.Tensor,
                     c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Same contract as `run_recurrence` for a statically known number of steps.

    projected: [T, ..., 4u] input projections (x @ W_x + b); recurrent_kernel: [u, 4u], or
    [k, u, 4u] with h/c [k, B, u]. Returns (outputs [T, ..., u], final h, final c).
    """
    steps = projected.shape[0]
    if steps is None:
        raise ValueError("fused_recurrence needs a static number of steps")
    if len(recurrent_kernel.shape) == 3:
        # Independent LSTMs (the encoder's two directions): separate 2-D chains rather than one
        # batched product per step; TensorFlow runs the chains in parallel and plain matmuls
        # are faster than batched ones on a CPU.
        # unstack (not indexing): its gradient is a stack, not a zero-padded slice gradient.
        parts = zip(tf.unstack(projected, axis=1), tf.unstack(recurrent_kernel), tf.unstack(h),
                    tf.unstack(c))
        runs = [fused_recurrence(*part) for part in parts]
        return (tf.stack([r[0] for r in runs], axis=1), tf.stack([r[1] for r in runs]),
                tf.stack([r[2] for r in runs]))

    @tf.custom_gradient
    def run(projected, kernel, h0, c0):
        h, c = h0, c0
        outputs, saved = [], []
        for t in range(steps):
            gates = projected[t] + tf.matmul(h, kernel)
            i, candidate, f, o = tf.split(gates, 4, axis=-1)
            si, tg, sf, so = tf.sigmoid(i), tf.tanh(candidate), tf.sigmoid(f + FORGET_BIAS), \
                tf.sigmoid(o)
            new_c = si * tg + sf * c
            tc = tf.tanh(new_c)
            new_h = tc * so
            saved.append((si, tg, sf, so, c, tc))
            h, c = new_h, new_c
            outputs.append(h)
        stacked = tf.stack(outputs)

        def grad(d_outputs, d_h, d_c):
            d_h = tf.zeros_like(h) if d_h is None else d_h
            d_c = tf.zeros_like(c) if d_c is None else d_c
            # dh_{t-1} = dgates_t @ W^T every step. A transpose_b product of these shapes runs
            # ~3x slower than a plain one on CPU, and grappler folds a bare transpose back into
            # transpose_b; Snapshot materialises W^T once so each step is a plain product.
            kernel_t = tf.raw_ops.Snapshot(input=tf.transpose(kernel))
            d_gates_steps = [None] * steps
            for t in reversed(range(steps)):
                si, tg, sf, so, c_prev, tc = saved[t]
                dh_t = d_h if d_outputs is None else d_h + d_outputs[t]
                d_o = dh_t * tc
                dc_t = d_c + dh_t * so * (1.0 - tc * tc)
                d_gates = tf.concat([
                    dc_t * tg * si * (1.0 - si),
                    dc_t * si * (1.0 - tg * tg),
                    dc_t * c_prev * sf * (1.0 - sf),
                    d_o * so * (1.0 - so),
                ], axis=-1)
                d_gates_steps[t] = d_gates
                d_c = dc_t * sf
                d_h = tf.matmul(d_gates, kernel_t)
            d_gates_all = tf.stack(d_gates_steps)  # [T, ..., 4u]
            previous = tf.concat([h0[None], stacked[:-1]], axis=0)  # h_{t-1}: [T, ..., u]
            units = kernel.shape[-2]
            d_kernel = tf.matmul(tf.reshape(previous, [-1, units]),
                                 tf.reshape(d_gates_all, [-1, 4 * units]), transpose_a=True)
            return d_gates_all, d_kernel, d_h, d_c

        return (stacked, h, c), grad

    return run(projected, recurrent_kernel, h, c)
