"""Optimizer and gradient clipping as magenta trains: Adam on a decaying rate, clipped gradients.

magenta clips to a global norm of `grad_clip` and, when the norm is at or above
`grad_norm_clip_to_zero`, replaces every gradient by zeros (the step still counts and Adam's
moments still decay, exactly as applying zero gradients does in TF1).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from serenade.training.schedules import learning_rate


def make_optimizer(hparams) -> keras.optimizers.Optimizer:
    """Adam with TF1's defaults (epsilon 1e-8) on magenta's learning-rate decay."""
    schedule = DecayingLearningRate(hparams.learning_rate, hparams.min_learning_rate,
                                    hparams.decay_rate)
    return keras.optimizers.Adam(learning_rate=schedule, beta_1=0.9, beta_2=0.999, epsilon=1e-8)


def clip_gradients(gradients, *, clip: float, clip_to_zero: float, mode: str = "global_norm"):
    """(clipped gradients, global norm before clipping); None gradients stay None."""
    if mode not in ("global_norm", "value"):
        raise ValueError(f"unknown clip_mode {mode!r}; expected 'global_norm' or 'value'")
    norm = tf.linalg.global_norm([g for g in gradients if g is not None])
    if mode == "value":
        return [None if g is None else tf.clip_by_value(g, -clip, clip) for g in gradients], norm
    present = [g for g in gradients if g is not None]
    clipped, _ = tf.clip_by_global_norm(present, clip, use_norm=norm)
    keep = norm < clip_to_zero
    clipped = [tf.where(keep, g, tf.zeros_like(g)) for g in clipped]
    result, position = [], 0
    for g in gradients:
        if g is None:
            result.append(None)
        else:
            result.append(clipped[position])
            position += 1
    return result, norm


class DecayingLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """magenta's exponential learning-rate decay as a Keras schedule (called with the step)."""

    def __init__(self, initial: float, minimum: float, decay_rate: float):
        self.initial = float(initial)
        self.minimum = float(minimum)
        self.decay_rate = float(decay_rate)

    def __call__(self, step):
        return learning_rate(step, self.initial, self.minimum, self.decay_rate)

    def get_config(self):
        return {"initial": self.initial, "minimum": self.minimum, "decay_rate": self.decay_rate}
