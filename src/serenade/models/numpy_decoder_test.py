import numpy as np
import pytest

from serenade.models.magenta_layout import FlatDecoderScopes
from serenade.models.numpy_decoder import FlatGenerator, _Categorical, _Layer, _initial_states


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


def _reference_run(weights, layers, condition, steps, temperature, seed, start):
    """The decoder loop in plain numpy, one layer at a time, as magenta's MultiRNNCell."""
    prepared = [_Layer.prepare(weights[f"d/multi_rnn_cell/cell_{j}/lstm_cell/kernel"],
                               weights[f"d/multi_rnn_cell/cell_{j}/lstm_cell/bias"])
                for j in range(layers)]
    states = _initial_states(condition, weights["d/z_to_initial_state/kernel"],
                             weights["d/z_to_initial_state/bias"], [p.units for p in prepared])
    rng, previous = np.random.default_rng(seed), start
    events, all_logits = [], []
    for _ in range(steps):
        below = np.concatenate([np.eye(90, dtype=np.float32)[previous] * (previous >= 0)[:, None],
                                condition], 1)
        for layer, (h, c) in zip(prepared, states):
            gates = np.concatenate([below, h], 1) @ layer.kernel + layer.bias
            layer.update(gates, c, h, np.empty_like(c))
            below = h
        logits = below @ weights["d/output_projection/kernel"] + weights["d/output_projection/bias"]
        if temperature == 0:
            previous = logits.argmax(1)
        else:
            scaled = logits / np.float32(temperature)
            running = np.cumsum(np.exp(scaled - scaled.max(1, keepdims=True)), 1)
            draws = rng.random(len(logits), dtype=np.float32)
            previous = np.minimum((running < (draws * running[:, -1])[:, None]).sum(1), 89)
        events.append(previous)
        all_logits.append(logits)
    return np.stack(events, 1), np.stack(all_logits, 1)


def test_flat_generator_matches_a_plain_numpy_decoder_loop():
    """Three layers of different sizes, start tokens given: the fused kernels and the buffer
    plumbing (each h written where the next product reads it) change nothing."""
    rng = np.random.default_rng(3)
    z_size, units, rows, steps = 6, [12, 8, 10], 5, 9
    weights = {"d/z_to_initial_state/kernel": rng.normal(size=(z_size, 2 * sum(units))),
               "d/z_to_initial_state/bias": rng.normal(size=2 * sum(units)),
               "d/output_projection/kernel": rng.normal(scale=2, size=(units[-1], 90)),
               "d/output_projection/bias": rng.normal(size=90)}
    inputs = [90 + z_size] + units[:-1]
    for j, (n_in, u) in enumerate(zip(inputs, units)):
        weights[f"d/multi_rnn_cell/cell_{j}/lstm_cell/kernel"] = rng.normal(size=(n_in + u, 4 * u))
        weights[f"d/multi_rnn_cell/cell_{j}/lstm_cell/bias"] = rng.normal(size=4 * u)
    weights = {k: v.astype(np.float32) for k, v in weights.items()}
    condition = rng.normal(size=(rows, z_size)).astype(np.float32)
    start = np.array([-1, 0, 5, 89, -1])
    generator = FlatGenerator(weights, FlatDecoderScopes("d"), len(units))
    for temperature in (0.0, 0.7):
        sampler = _Categorical(temperature, np.random.default_rng(4))
        events, logits = generator.run(condition, steps, sampler, start[:, None])
        events = events[..., 0]
        want_events, want_logits = _reference_run(weights, len(units), condition, steps,
                                                  temperature, 4, start)
        np.testing.assert_array_equal(events, want_events)
        np.testing.assert_allclose(logits, want_logits, atol=1e-4)
