"""magenta's step-dependent schedules: KL weight (beta), learning rate, scheduled sampling.

All three are functions of the global step *before* the update it applies to (step 0 is the first
update), as in magenta's graph, and work on Python numbers and TF tensors alike.

Short runs: magenta anneals beta over hundreds of thousands of steps (beta_rate 0.99999 reaches
99% of max_beta after ~460k steps) and its inverse-sigmoid schedule (k = 1000) crosses 0.5 at
~6,900 steps. A 2,000-step CPU run with those rates would train an almost plain autoencoder with
teacher forcing. `scaled_rates` (serenade.training.scaling) picks rates for a step budget.
"""

from __future__ import annotations

import tensorflow as tf

# The short-run scaling rule lives in a TensorFlow-free module (the workflow imports it while
# planning); re-exported here beside the schedules it scales.
from serenade.training.scaling import (  # noqa: F401
    BETA_FRACTION, SAMPLING_FRACTION, beta_rate_for, inverse_sigmoid_rate_for, scaled_rates)

SCHEDULES = ("constant", "inverse_sigmoid", "exponential")


def kl_beta(step, max_beta: float, beta_rate: float):
    """KL weight: (1 - beta_rate^step) * max_beta (beta_rate 0 gives max_beta from step 1 on)."""
    step = tf.cast(step, tf.float32)
    return (1.0 - tf.pow(tf.constant(beta_rate, tf.float32), step)) * max_beta


def learning_rate(step, initial: float, minimum: float, decay_rate: float):
    """(initial - minimum) * decay_rate^step + minimum."""
    step = tf.cast(step, tf.float32)
    return (initial - minimum) * tf.pow(tf.constant(decay_rate, tf.float32), step) + minimum


def validate_sampling(schedule: str, rate: float) -> None:
    """The same checks as magenta: bad rates fail before training starts."""
    if schedule in ("", None):
        return
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown sampling_schedule {schedule!r}; known: {', '.join(SCHEDULES)}")
    if schedule == "constant" and not 0.0 <= rate <= 1.0:
        raise ValueError(f"constant sampling_rate must be in [0, 1], got {rate}")
    if schedule == "inverse_sigmoid" and rate < 1.0:
        raise ValueError(f"inverse_sigmoid sampling_rate must be at least 1, got {rate}")
    if schedule == "exponential" and not 0.0 < rate < 1.0:
        raise ValueError(f"exponential sampling_rate must be in (0, 1), got {rate}")


def uses_sampling(schedule: str, rate: float) -> bool:
    """Whether the schedule ever feeds the decoder its own samples (magenta's test)."""
    return bool(schedule) and not (schedule == "constant" and rate == 0.0)


def sampling_probability(step, schedule: str, rate: float):
    """Probability that the decoder's next input is its own sample rather than the truth.

    inverse_sigmoid: 1 - k / (k + exp(step / k)); exponential: 1 - rate^step; constant: rate.
    """
    validate_sampling(schedule, rate)
    step = tf.cast(step, tf.float32)
    if not uses_sampling(schedule, rate):
        return tf.zeros_like(step)
    if schedule == "constant":
        return tf.ones_like(step) * rate
    if schedule == "exponential":
        return 1.0 - tf.pow(tf.constant(rate, tf.float32), step)
    k = tf.constant(rate, tf.float32)
    # exp overflows to inf for step > ~88k: the probability is then exactly 1, as it should be.
    return 1.0 - k / (k + tf.exp(step / k))
