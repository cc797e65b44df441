"""The objective checked against hand-computed numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from serenade.models import objective


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
    kl_dims = objective.kl_per_dimension(mu, sigma).numpy()
    np.testing.assert_allclose(kl_dims, expected_dims, rtol=1e-6)
    assert np.all(kl_dims[0] == 0.0)


def test_terms_pay_free_bits_on_the_total_kl_and_weigh_it_by_beta():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 4, 90)).astype(np.float32)
    targets = rng.integers(0, 90, size=(2, 4))
    mu = np.array([[3.0, 0.0], [0.1, 0.0]], np.float32)  # KL 4.5 and 0.005 nats
    sigma = np.ones((2, 2), np.float32)
    free_bits = 2.0  # 1.386 nats: the first example pays 3.114, the second 0
    terms = objective.terms(targets, {"logits": logits, "mu": mu, "sigma": sigma},
                            free_bits=free_bits)
    r = objective.reconstruction_loss(targets, logits).numpy()
    np.testing.assert_allclose(terms.r_loss.numpy(), r, rtol=1e-6)
    np.testing.assert_allclose(terms.kl_dims.numpy(), [[4.5, 0.0], [0.005, 0.0]], rtol=1e-5)
    np.testing.assert_allclose(terms.kl.numpy(), [4.5, 0.005], rtol=1e-5)
    np.testing.assert_allclose(terms.kl_cost.numpy(), [4.5 - 2 * math.log(2), 0.0], rtol=1e-5)
    assert float(terms.correct) == np.sum(logits.argmax(-1) == targets)
    assert all(t.dtype == tf.float32 for t in tf.nest.flatten(terms))
    loss = objective.total_loss(np.mean(r), np.mean(terms.kl_cost.numpy()), 0.5)
    assert loss == pytest.approx(r.mean() + 0.5 * (4.5 - 2 * math.log(2)) / 2, rel=1e-6)
    assert objective.bits(4.5) == pytest.approx(4.5 / math.log(2))


def test_terms_are_float32_for_float16_outputs():
    logits = np.zeros((1, 4, 90), np.float16)
    logits[0, np.arange(4), [5, 6, 7, 8]] = 1.0
    outputs = {"logits": tf.constant(logits), "mu": tf.zeros((1, 3), tf.float16),
               "sigma": tf.ones((1, 3), tf.float16)}
    terms = objective.terms(np.array([[5, 6, 0, 8]]), outputs, free_bits=0.0)
    assert float(terms.correct) == 3.0
    assert all(t.dtype == tf.float32 for t in tf.nest.flatten(terms))
    assert float(terms.kl[0]) == 0.0
