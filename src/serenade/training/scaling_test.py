"""The short-run scaling rule, without TensorFlow."""

from __future__ import annotations

import math

import pytest

from serenade.training import scaling


def test_rates_solve_their_landmark_equations():
    assert scaling.beta_rate_for(1000) ** 1000 == pytest.approx(0.01, rel=1e-9)
    k = scaling.inverse_sigmoid_rate_for(500)
    assert k * math.log(k) == pytest.approx(500, rel=1e-9)
    assert scaling.inverse_sigmoid_rate_for(0) == 1.0
    rates = scaling.scaled_rates(3000, beta_fraction=0.25, sampling_fraction=0.8)
    assert rates["beta_rate"] ** 750 == pytest.approx(0.01, rel=1e-6)
    assert rates["sampling_rate"] * math.log(rates["sampling_rate"]) == pytest.approx(2400)
