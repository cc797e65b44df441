import numpy as np
import pytest

from serenade.models.generation import _Categorical, _Layer


def test_categorical_draws_follow_softmax_of_logits_over_temperature():
    logits = np.tile(np.log(np.array([0.1, 0.2, 0.7], np.float32)), (40000, 1))
    draws = _Categorical(1.0, np.random.default_rng(0))(logits.copy())
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / len(draws), [0.1, 0.2, 0.7], atol=0.01)
    # temperature 0.5 squares the probabilities (then renormalizes)
    draws = _Categorical(0.5, np.random.default_rng(1))(logits.copy())
    want = np.array([0.01, 0.04, 0.49]) / 0.54
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / len(draws), want, atol=0.01)
    assert (_Categorical(0.0, np.random.default_rng(0))(logits[:3]) == 2).all()
    with pytest.raises(ValueError):
        _Categorical(-1.0, np.random.default_rng(0))


def test_prepared_layer_reproduces_the_lstm_block_cell_step():
    rng = np.random.default_rng(2)
    kernel = rng.normal(size=(7 + 5, 20)).astype(np.float32)
    bias = rng.normal(size=20).astype(np.float32)
    x, h, c = (rng.normal(size=(3, n)).astype(np.float32) for n in (7, 5, 5))
    gates = np.concatenate([x, h], 1) @ kernel + bias
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, j, f, o = np.split(gates, 4, axis=1)
    want_c = sig(i) * np.tanh(j) + sig(f + 1.0) * c
    want_h = np.tanh(want_c) * sig(o)
    layer = _Layer.prepare(kernel, bias)
    got_gates = np.concatenate([x, h], 1) @ layer.kernel + layer.bias
    got_h, got_c = np.empty_like(h), c.copy()
    layer.update(got_gates, got_c, got_h, np.empty_like(c))
    np.testing.assert_allclose(got_c, want_c, atol=1e-5)
    np.testing.assert_allclose(got_h, want_h, atol=1e-5)
