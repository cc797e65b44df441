"""Clipping and optimizer settings as magenta."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from serenade.models.configs import get_config
from serenade.training import optimization


def test_global_norm_clipping_scales_below_cutoff_and_zeros_above():
    grads = [tf.constant([3.0, 0.0]), None, tf.constant([[4.0]])]  # global norm 5
    clipped, norm = optimization.clip_gradients(grads, clip=1.0, clip_to_zero=10000)
    assert float(norm) == pytest.approx(5.0)
    assert clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(clipped[2].numpy(), [[0.8]], rtol=1e-6)
    # a norm under the clip leaves gradients alone
    small, _ = optimization.clip_gradients([tf.constant([0.3, 0.4])], clip=1.0, clip_to_zero=10)
    np.testing.assert_allclose(small[0].numpy(), [0.3, 0.4], rtol=1e-6)
    # at or above grad_norm_clip_to_zero the step is ignored: every gradient is zero
    zeroed, norm = optimization.clip_gradients(grads, clip=1.0, clip_to_zero=5.0)
    assert float(norm) == pytest.approx(5.0)
    assert all(not np.any(g.numpy()) for g in zeroed if g is not None)
    nan, _ = optimization.clip_gradients([tf.constant([np.nan, 1.0])], clip=1.0,
                                         clip_to_zero=1e4)
    assert not np.any(nan[0].numpy())


def test_value_clipping_mode_and_bad_mode():
    clipped, _ = optimization.clip_gradients([tf.constant([-3.0, 0.5])], clip=1.0,
                                             clip_to_zero=1e4, mode="value")
    np.testing.assert_allclose(clipped[0].numpy(), [-1.0, 0.5])
    with pytest.raises(ValueError, match="clip_mode"):
        optimization.clip_gradients([tf.constant([1.0])], clip=1.0, clip_to_zero=1.0, mode="x")


def test_adam_uses_decaying_rate_and_tf1_epsilon():
    hparams = get_config("cat-mel_2bar_tiny", "learning_rate=0.003").hparams
    optimizer = optimization.make_optimizer(hparams)
    assert optimizer.epsilon == 1e-8
    variable = tf.Variable([1.0])
    optimizer.apply_gradients([(tf.constant([0.5]), variable)])
    # first Adam step moves by lr(0) in the gradient's sign (bias-corrected m/sqrt(v) = 1)
    assert float(variable[0]) == pytest.approx(1.0 - 0.003, abs=1e-6)
    assert int(optimizer.iterations) == 1
    assert float(optimizer.learning_rate) == pytest.approx(
        (0.003 - hparams.min_learning_rate) * hparams.decay_rate + hparams.min_learning_rate,
        rel=1e-5)
