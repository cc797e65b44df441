"""The objective checked against hand-computed numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from serenade.training import objective


def _log_softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def test_reconstruction_loss_sums_cross_entropy_over_time():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 5, 90)).astype(np.float32)
    targets = rng.integers(0, 90, size=(3, 5))
    expected = -np.take_along_axis(_log_softmax(logits), targets[..., None], -1)[..., 0].sum(1)
    got = objective.reconstruction_loss(targets, logits).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_kl_matches_closed_form_and_is_zero_at_prior():
    mu = np.array([[0.0, 0.0], [1.0, -2.0]], np.float32)
    sigma = np.array([[1.0, 1.0], [0.5, 2.0]], np.float32)
    expected_dims = 0.5 * (mu ** 2 + sigma ** 2 - 1) - np.log(sigma)
    np.testing.assert_allclose(objective.kl_per_dimension(mu, sigma).numpy(), expected_dims,
                               rtol=1e-6)
    kl = objective.kl_divergence(mu, sigma).numpy()
    assert kl[0] == 0.0
    assert kl[1] == pytest.approx(expected_dims[1].sum(), rel=1e-6)


def test_loss_uses_free_bits_on_total_kl_and_beta():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 4, 90)).astype(np.float32)
    targets = rng.integers(0, 90, size=(2, 4))
    mu = np.array([[3.0, 0.0], [0.1, 0.0]], np.float32)  # KL 4.5 and 0.005 nats
    sigma = np.ones((2, 2), np.float32)
    free_bits = 2.0  # 1.386 nats: the first example pays 3.114, the second 0
    terms = objective.vae_loss(targets, logits, mu, sigma, beta=0.5, free_bits=free_bits)
    r = objective.reconstruction_loss(targets, logits).numpy().mean()
    cost = (max(4.5 - 2 * math.log(2), 0) + max(0.005 - 2 * math.log(2), 0)) / 2
    assert float(terms.r_loss) == pytest.approx(r, rel=1e-6)
    assert float(terms.kl_cost) == pytest.approx(cost, rel=1e-5)
    assert float(terms.kl) == pytest.approx((4.5 + 0.005) / 2, rel=1e-5)
    assert float(terms.kl_bits) == pytest.approx((4.5 + 0.005) / 2 / math.log(2), rel=1e-5)
    assert float(terms.loss) == pytest.approx(r + 0.5 * cost, rel=1e-6)


def test_accuracy_counts_argmax_matches_and_accepts_float16():
    logits = np.zeros((1, 4, 90), np.float16)
    logits[0, np.arange(4), [5, 6, 7, 8]] = 1.0
    assert float(objective.accuracy(np.array([[5, 6, 0, 8]]), logits)) == 0.75
    loss = objective.reconstruction_loss(np.array([[5, 6, 0, 8]]), tf.constant(logits))
    assert loss.dtype == tf.float32
