import numpy as np
import tensorflow as tf

from serenade.models.lstm import LSTMBlockCell, split_initial_state


def reference_step(kernel, bias, x, h, c):
    """LSTMBlockCell written out: [x, h] @ kernel + bias, gates i, c~, f, o, forget bias +1."""
    gates = np.concatenate([x, h], axis=1) @ kernel + bias
    u = h.shape[1]
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    i, j, f, o = gates[:, :u], gates[:, u:2 * u], gates[:, 2 * u:3 * u], gates[:, 3 * u:]
    new_c = sig(i) * np.tanh(j) + sig(f + 1.0) * c
    return np.tanh(new_c) * sig(o), new_c


def test_cell_matches_the_block_cell_formula():
    rng = np.random.default_rng(0)
    cell = LSTMBlockCell(8, 5)
    cell.build()
    cell.kernel.assign(rng.normal(size=(13, 32)).astype(np.float32))
    cell.bias.assign(rng.normal(size=32).astype(np.float32))
    x, h, c = (rng.normal(size=(4, n)).astype(np.float32) for n in (5, 8, 8))
    got_h, got_c = cell(tf.constant(x), (tf.constant(h), tf.constant(c)))
    want_h, want_c = reference_step(cell.kernel.numpy(), cell.bias.numpy(), x, h, c)
    np.testing.assert_allclose(got_h, want_h, atol=1e-6)
    np.testing.assert_allclose(got_c, want_c, atol=1e-6)


def test_initial_state_order_is_c_then_h_per_layer():
    flat = tf.constant([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    (h0, c0), (h1, c1) = split_initial_state(flat, [1, 2])
    assert c0.numpy().tolist() == [[1.0]] and h0.numpy().tolist() == [[2.0]]
    assert c1.numpy().tolist() == [[3.0, 4.0]] and h1.numpy().tolist() == [[5.0, 6.0]]
