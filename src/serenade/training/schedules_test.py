"""Schedules checked against magenta's formulas at known points."""

from __future__ import annotations

import math

import numpy as np
import pytest

from serenade.training import optimization, schedules


def f32(x: float) -> float:
    """The value as float32 holds it: like magenta, the schedules compute in float32."""
    return float(np.float32(x))


def test_beta_follows_magenta_formula():
    assert float(schedules.kl_beta(0, 0.2, 0.99999)) == 0.0
    for step in (1, 100, 6931, 460517):
        expected = (1 - f32(0.99999) ** step) * 0.2
        assert float(schedules.kl_beta(step, 0.2, 0.99999)) == pytest.approx(expected, abs=2e-7)
    # beta_rate 0 (the 16-bar configs): full weight from the first step on
    assert float(schedules.kl_beta(1, 0.2, 0.0)) == pytest.approx(0.2)


def test_learning_rate_decays_to_minimum():
    assert float(schedules.learning_rate(0, 1e-3, 1e-5, 0.9999)) == pytest.approx(1e-3)
    assert float(schedules.learning_rate(10000, 1e-3, 1e-5, 0.9999)) == pytest.approx(
        (1e-3 - 1e-5) * f32(0.9999) ** 10000 + 1e-5, rel=1e-5)
    assert float(schedules.learning_rate(10**7, 1e-3, 1e-5, 0.9999)) == pytest.approx(1e-5)
    lr = optimization.DecayingLearningRate(3e-3, 1e-5, 0.999)
    assert float(lr(500)) == pytest.approx((3e-3 - 1e-5) * f32(0.999) ** 500 + 1e-5, rel=1e-5)
    assert optimization.DecayingLearningRate(**lr.get_config()).get_config() == lr.get_config()


def test_inverse_sigmoid_sampling_matches_reference_points():
    p = lambda step: float(schedules.sampling_probability(step, "inverse_sigmoid", 1000.0))
    assert p(0) == pytest.approx(1 - 1000 / 1001, abs=1e-6)  # ~0.001
    assert p(1000 * math.log(1000)) == pytest.approx(0.5, abs=1e-4)  # ~6,908 steps
    assert p(10000) == pytest.approx(1 - 1000 / (1000 + math.exp(10)), rel=1e-5)  # ~0.957
    assert p(10**6) == 1.0  # exp overflow is the limit, not NaN


def test_other_schedules_and_validation():
    assert float(schedules.sampling_probability(7, "constant", 0.25)) == pytest.approx(0.25)
    assert float(schedules.sampling_probability(7, "constant", 0.0)) == 0.0
    assert float(schedules.sampling_probability(3, "exponential", 0.5)) == pytest.approx(0.875)
    assert not schedules.uses_sampling("constant", 0.0)
    assert schedules.uses_sampling("inverse_sigmoid", 1000.0)
    with pytest.raises(ValueError, match="at least 1"):
        schedules.sampling_probability(0, "inverse_sigmoid", 0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        schedules.sampling_probability(0, "constant", 2.0)
    with pytest.raises(ValueError, match="unknown sampling_schedule"):
        schedules.validate_sampling("linear", 0.1)


def test_scaled_rates_hit_their_landmarks():
    steps = 2000
    rates = schedules.scaled_rates(steps)
    # beta reaches 99% of max_beta at half the run
    half = steps // 2
    assert float(schedules.kl_beta(half, 1.0, rates["beta_rate"])) == pytest.approx(0.99, abs=1e-4)
    assert float(schedules.kl_beta(steps, 0.2, rates["beta_rate"])) == pytest.approx(
        0.2 * 0.9999, abs=1e-4)
    # sampling probability crosses 0.5 at half the run, is ~0 at the start and high at the end
    k = rates["sampling_rate"]
    assert k * math.log(k) == pytest.approx(half, rel=1e-9)
    p = lambda s: float(schedules.sampling_probability(s, "inverse_sigmoid", k))
    assert p(half) == pytest.approx(0.5, abs=1e-3)
    assert p(0) < 0.01 and p(half - 200) < 0.5 < p(half + 200) and p(steps) > 0.99
    # magenta's own k = 1000 corresponds to a crossing at ~6,908 steps
    assert schedules.inverse_sigmoid_rate_for(1000 * math.log(1000)) == pytest.approx(1000)
    assert schedules.beta_rate_for(math.log(0.01) / math.log(0.99999)) == pytest.approx(0.99999)
    with pytest.raises(ValueError):
        schedules.scaled_rates(0)
    with pytest.raises(ValueError):
        schedules.scaled_rates(100, beta_fraction=1.5)


def test_schedules_accept_tensors_inside_tf_function():
    import tensorflow as tf

    @tf.function
    def at(step):
        return (schedules.kl_beta(step, 0.2, 0.999), schedules.sampling_probability(
            step, "inverse_sigmoid", 50.0))

    beta, prob = at(tf.constant(100, tf.int64))
    assert float(beta) == pytest.approx(0.2 * (1 - f32(0.999) ** 100), abs=2e-7)
    assert float(prob) == pytest.approx(1 - 50 / (50 + np.exp(2.0)), rel=1e-5)
