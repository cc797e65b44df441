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


class DynamicLossScale:
    """Dynamic loss scaling for float16 products (`mixed_float16`), whose narrow exponent range
    would flush small gradients to zero: the loss is multiplied by `scale` before the backward
    pass and the gradients divided by it after. A step whose gradients overflow is applied as
    zeros (`clip_gradients` zeroes non-finite norms, as magenta's clip-to-zero) and halves the
    scale; `growth_interval` finite steps in a row double it.
    """

    def __init__(self, initial: float = 2.0 ** 15, growth_interval: int = 2000,
                 factor: float = 2.0) -> None:
        # Every replica sees the same all-reduced gradients, so they agree on each update.
        first = tf.VariableAggregation.ONLY_FIRST_REPLICA
        self.scale = tf.Variable(float(initial), trainable=False, dtype=tf.float32,
                                 aggregation=first, name="loss_scale")
        self.good_steps = tf.Variable(0, trainable=False, dtype=tf.int64, aggregation=first,
                                      name="loss_scale_good_steps")
        self.growth_interval = int(growth_interval)
        self.factor = float(factor)

    def scaled(self, loss: tf.Tensor) -> tf.Tensor:
        return loss * self.scale

    def unscaled(self, gradients):
        inverse = 1.0 / self.scale
        return [None if g is None else g * tf.cast(inverse, g.dtype) for g in gradients]

    def update(self, finite: tf.Tensor) -> None:
        """After a step: halve on overflow, double after `growth_interval` good steps."""
        grown = self.good_steps + 1 >= self.growth_interval
        self.scale.assign(tf.where(finite, tf.where(grown, self.scale * self.factor, self.scale),
                                   tf.maximum(self.scale / self.factor, 1.0)))
        self.good_steps.assign(tf.where(finite & ~grown, self.good_steps + 1,
                                        tf.zeros_like(self.good_steps)))
