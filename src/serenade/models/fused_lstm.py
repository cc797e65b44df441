"""LSTMBlockCell recurrence with a hand-written backward pass that batches weight gradients.

Autodiff of a step-by-step recurrence forms the recurrent weight gradient as T separate products
h_{t-1}^T @ dgates_t, each with an inner dimension of only the batch size (64): on a CPU those
run far below matmul peak. Here the backward pass walks time in reverse computing only the
gate gradients (dgates_t, and dh_{t-1} = dgates_t @ W^T), then forms the weight gradient as ONE
product over all steps: [h_0 .. h_{T-1}]^T @ [dgates_1 .. dgates_T], inner dimension T * batch.
This is what fused RNN kernels (cuDNN, BlockLSTM) do.

The forward pass applies the same `gate_activations` and `cell_update` as the cell (bit-identical
outputs); gradients equal autodiff's up to float summation order. In mixed precision the products
(forward, dh and the weight gradient) run in the kernel's dtype and the gate arithmetic in
STATE_DTYPE, as in `serenade.models.lstm`.
"""

from __future__ import annotations

import tensorflow as tf

from serenade.models import magenta_layout as layout
from serenade.models.lstm import STATE_DTYPE, cell_update, gate_activations, recurrent_product


def _gate_gradients(gates, d_c, d_h, c_prev, squashed) -> tuple[tf.Tensor, tf.Tensor]:
    """d(pre-activation gates) in magenta's gate order, and dc_{t-1}, for one step."""
    d_out = d_h * squashed
    d_cell = d_c + d_h * gates.output * (1.0 - squashed * squashed)
    blocks = [None] * len(layout.GATES)
    blocks[layout.INPUT] = d_cell * gates.candidate * gates.input * (1.0 - gates.input)
    blocks[layout.CANDIDATE] = d_cell * gates.input * (1.0 - gates.candidate * gates.candidate)
    blocks[layout.FORGET] = d_cell * c_prev * gates.forget * (1.0 - gates.forget)
    blocks[layout.OUTPUT] = d_out * gates.output * (1.0 - gates.output)
    return tf.concat(blocks, axis=-1), d_cell * gates.forget


def fused_recurrence(projected: tf.Tensor, recurrent_kernel: tf.Tensor, h: tf.Tensor,
                     c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Same contract as `recurrence.run_recurrence` for a statically known number of steps.

    projected: [T, ..., 4u] input projections (x @ W_x + b); recurrent_kernel: [u, 4u], or
    [k, u, 4u] with h/c [k, B, u]. Returns (outputs [T, ..., u] in the kernel's dtype, final h,
    final c in STATE_DTYPE).
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

    low = recurrent_kernel.dtype  # the products' dtype (float32, or bfloat16/float16 mixed)

    @tf.custom_gradient
    def run(projected, kernel, h0, c0):
        x = tf.cast(projected, STATE_DTYPE)
        h, c = tf.cast(h0, STATE_DTYPE), tf.cast(c0, STATE_DTYPE)
        first_h = h
        outputs, saved = [], []
        for t in range(steps):
            gates = gate_activations(x[t] + recurrent_product(h, kernel))
            new_h, new_c, squashed = cell_update(gates, c)
            saved.append((gates, c, squashed))
            h, c = new_h, new_c
            outputs.append(h)
        stacked = tf.stack(outputs)

        def grad(d_outputs, d_h, d_c):
            d_h = tf.zeros_like(h) if d_h is None else tf.cast(d_h, STATE_DTYPE)
            d_c = tf.zeros_like(c) if d_c is None else tf.cast(d_c, STATE_DTYPE)
            if d_outputs is not None:
                d_outputs = tf.cast(d_outputs, STATE_DTYPE)
            # dh_{t-1} = dgates_t @ W^T every step. A transpose_b product of these shapes runs
            # ~3x slower than a plain one on CPU, and grappler folds a bare transpose back into
            # transpose_b; Snapshot materialises W^T once so each step is a plain product.
            kernel_t = tf.raw_ops.Snapshot(input=tf.transpose(kernel))
            d_gates_steps = [None] * steps
            for t in reversed(range(steps)):
                gates, c_prev, squashed = saved[t]
                dh_t = d_h if d_outputs is None else d_h + d_outputs[t]
                d_gates, d_c = _gate_gradients(gates, d_c, dh_t, c_prev, squashed)
                d_gates_steps[t] = d_gates
                d_h = recurrent_product(d_gates, kernel_t)
            d_gates_all = tf.stack(d_gates_steps)  # [T, ..., 4u]
            previous = tf.concat([first_h[None], stacked[:-1]], axis=0)  # h_{t-1}: [T, ..., u]
            units = kernel.shape[-2]
            d_kernel = tf.matmul(tf.cast(tf.reshape(previous, [-1, units]), low),
                                 tf.cast(tf.reshape(d_gates_all, [-1, 4 * units]), low),
                                 transpose_a=True)
            return (tf.cast(d_gates_all, projected.dtype), d_kernel, tf.cast(d_h, h0.dtype),
                    tf.cast(d_c, c0.dtype))

        return (tf.cast(stacked, low), h, c), grad

    return run(projected, recurrent_kernel, h, c)
