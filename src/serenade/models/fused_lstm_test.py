"""The fused recurrence against plain autodiff through a step-by-step LSTMBlockCell loop."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from serenade.models.fused_lstm import fused_recurrence
from serenade.models.lstm import lstm_gates


def autodiff_recurrence(projected, kernel, h, c):
    outputs = []
    for t in range(projected.shape[0]):
        h, c = lstm_gates(projected[t] + tf.matmul(h, kernel), c)
        outputs.append(h)
    return tf.stack(outputs), h, c


def _values_and_gradients(fn, projected, kernel, h0, c0, weights):
    with tf.GradientTape() as tape:
        tape.watch([projected, kernel, h0, c0])
        out, h, c = fn(projected, kernel, h0, c0)
        loss = tf.reduce_sum(out * weights) + tf.reduce_sum(h * 0.3) + tf.reduce_sum(c * 0.7)
    return [out, h, c, *tape.gradient(loss, [projected, kernel, h0, c0])]


@pytest.mark.parametrize("leading", [(), (2,)])
def test_forward_identical_and_gradients_match_autodiff(leading):
    rng = np.random.default_rng(0)
    steps, batch, units = 7, 5, 6
    f32 = lambda *shape, scale=1.0: tf.constant(rng.normal(scale=scale, size=shape), tf.float32)
    projected = f32(steps, *leading, batch, 4 * units)
    kernel = f32(*leading, units, 4 * units, scale=0.3)
    h0, c0 = f32(*leading, batch, units), f32(*leading, batch, units)
    weights = f32(steps, *leading, batch, units)
    if leading:  # k independent LSTMs: reference runs them one by one
        def reference(p, k, h, c):
            runs = [autodiff_recurrence(p[:, i], k[i], h[i], c[i]) for i in range(leading[0])]
            return (tf.stack([r[0] for r in runs], 1), tf.stack([r[1] for r in runs]),
                    tf.stack([r[2] for r in runs]))
    else:
        reference = autodiff_recurrence
    expected = _values_and_gradients(reference, projected, kernel, h0, c0, weights)
    got = _values_and_gradients(fused_recurrence, projected, kernel, h0, c0, weights)
    names = ["outputs", "h", "c", "d_projected", "d_kernel", "d_h0", "d_c0"]
    for name, a, b in zip(names[:3], expected, got):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    for name, a, b in zip(names[3:], expected[3:], got[3:]):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-5, err_msg=name)


def test_unused_final_state_and_graph_mode():
    rng = np.random.default_rng(1)
    projected = tf.constant(rng.normal(size=(4, 3, 8)), tf.float32)
    kernel = tf.Variable(rng.normal(scale=0.3, size=(2, 8)).astype(np.float32))
    zeros = tf.zeros([3, 2])

    @tf.function
    def grads(fn):
        with tf.GradientTape() as tape:
            out, _, _ = fn(projected, kernel, zeros, zeros)  # final h, c unused
            loss = tf.reduce_sum(out ** 2)
        return tape.gradient(loss, kernel)

    np.testing.assert_allclose(grads(fused_recurrence).numpy(),
                               grads(autodiff_recurrence).numpy(), rtol=1e-5, atol=1e-6)
