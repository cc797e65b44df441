"""Two-pass scheduled sampling: p=0 is teacher forcing; p=1 feeds the decoder its own samples."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from serenade.models.configs import get_config
from serenade.models.vae import MusicVAE


def _model():
    model = MusicVAE(get_config("cat-mel_2bar_tiny"))
    model.build()
    rng = np.random.default_rng(0)
    for variable in model.trainable_variables:
        variable.assign(rng.normal(scale=0.3, size=variable.shape).astype(np.float32))
    # Very peaked outputs: sampling then equals argmax, which makes p=1 checkable.
    projection = model.decoder.output_projection
    projection.kernel.assign(projection.kernel * 5000.0)
    return model


def _windows():
    rng = np.random.default_rng(1)
    return tf.constant(rng.integers(0, 90, size=(6, 32)), tf.int32)


def test_probability_zero_matches_teacher_forcing():
    model, windows = _model(), _windows()
    z = tf.constant(np.random.default_rng(2).normal(size=(6, 16)), tf.float32)
    forced = model.decoder.logits(z, windows, sampling_probability=0.0)
    scheduled = model.decoder.logits(z, windows, sampling_probability=tf.constant(0.0))
    np.testing.assert_allclose(scheduled.numpy(), forced.numpy(), rtol=1e-5, atol=1e-4)


def test_probability_one_feeds_own_samples_and_has_gradients():
    model, windows = _model(), _windows()
    z = tf.constant(np.random.default_rng(3).normal(size=(6, 16)), tf.float32)
    with tf.GradientTape() as tape:
        logits = model.decoder.logits(z, windows, sampling_probability=tf.constant(1.0))
        loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(windows, logits))
    own = tf.argmax(logits, -1, output_type=tf.int32)  # what the decoder sampled (peaked)
    replay = model.decoder.logits(z, own, sampling_probability=0.0)  # fed [start, own[:-1]]
    np.testing.assert_allclose(logits.numpy(), replay.numpy(), rtol=1e-4, atol=0.5)
    assert not np.array_equal(own.numpy(), windows.numpy())
    gradients = tape.gradient(loss, model.decoder.trainable_variables)
    assert all(g is not None and np.all(np.isfinite(g.numpy())) for g in gradients)
