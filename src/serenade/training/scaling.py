"""Scaling magenta's beta and scheduled-sampling rates to a short run (no TensorFlow needed)."""

from __future__ import annotations

import math

# Fractions of a short run at which the scaled schedules reach their landmarks.
BETA_FRACTION = 0.5
SAMPLING_FRACTION = 0.5


def beta_rate_for(steps_to_99_percent: float) -> float:
    """beta_rate with which beta reaches 99% of max_beta after the given number of steps."""
    if steps_to_99_percent <= 0:
        raise ValueError("steps_to_99_percent must be positive")
    return math.exp(math.log(0.01) / steps_to_99_percent)


def inverse_sigmoid_rate_for(crossing_step: float) -> float:
    """k with which 1 - k/(k + exp(step/k)) crosses 0.5 at `crossing_step`.

    The crossing is where exp(step/k) = k, i.e. step = k ln k; solved by bisection (k >= 1).
    """
    if crossing_step <= 0:
        return 1.0
    low, high = 1.0, max(math.e, crossing_step) + 1.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle * math.log(middle) < crossing_step:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def scaled_rates(steps: int, beta_fraction: float = BETA_FRACTION,
                 sampling_fraction: float = SAMPLING_FRACTION) -> dict[str, float]:
    """beta_rate and (inverse-sigmoid) sampling_rate scaled to a run of `steps` steps.

    The rule: beta reaches 99% of max_beta after `beta_fraction` of the run, and the sampling
    probability crosses 0.5 after `sampling_fraction` of it (by default both at half the run),
    so the second half trains with the full KL weight and mostly on the decoder's own samples,
    the regime magenta's stock schedule reaches only after tens of thousands of steps.
    """
    if steps <= 0:
        raise ValueError(f"steps must be positive, got {steps}")
    for name, value in (("beta_fraction", beta_fraction), ("sampling_fraction", sampling_fraction)):
        if not 0.0 < value <= 1.0:
            raise ValueError(f"{name} must be in (0, 1], got {value}")
    return {
        "beta_rate": beta_rate_for(beta_fraction * steps),
        "sampling_rate": inverse_sigmoid_rate_for(sampling_fraction * steps),
    }
