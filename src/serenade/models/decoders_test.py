import numpy as np
import tensorflow as tf

from serenade.models.configs import get_config
from serenade.models.decoders import FlatDecoder, HierarchicalDecoder
from serenade.models.vae import MusicVAE


def randomize(layer, seed):
    rng = np.random.default_rng(seed)
    for variable in layer.trainable_variables:
        variable.assign(rng.normal(scale=0.4, size=variable.shape).astype(np.float32))


def test_flat_decoder_step_t_sees_only_earlier_events():
    decoder = FlatDecoder([8, 8], condition_size=4)
    decoder.build()
    randomize(decoder, 0)
    z = tf.constant(np.ones((1, 4), np.float32))
    a = np.random.default_rng(1).integers(0, 90, size=(1, 10)).astype(np.int32)
    b = a.copy()
    b[0, 5] = (a[0, 5] + 1) % 90
    la, lb = decoder.logits(z, a).numpy(), decoder.logits(z, b).numpy()
    np.testing.assert_allclose(la[0, :6], lb[0, :6], atol=1e-6)  # steps 0..5 unchanged
    assert np.abs(la[0, 6:] - lb[0, 6:]).max() > 1e-4


def test_hierarchical_bars_depend_on_the_previous_bar_only_through_its_last_event():
    decoder = HierarchicalDecoder([8, 8], z_size=4, level_lengths=(3, 4))
    decoder.build()
    randomize(decoder, 2)
    z = tf.constant(np.ones((1, 4), np.float32))
    a = np.random.default_rng(3).integers(0, 90, size=(1, 12)).astype(np.int32)
    b = a.copy()
    b[0, 4:7] = (a[0, 4:7] + 1) % 90  # change bar 1 except its last event
    la, lb = decoder.logits(z, a).numpy(), decoder.logits(z, b).numpy()
    np.testing.assert_allclose(la[0, 8:], lb[0, 8:], atol=1e-6)  # bar 2 unchanged
    assert np.abs(la[0, 5:8] - lb[0, 5:8]).max() > 1e-4
    assert "core_decoder/decoder/output_projection/kernel" in decoder.magenta_variables()


# Scheduled sampling (FlatDecoder.scheduled_logits and fed_back): p=0 is teacher forcing;
# p=1 feeds the decoder its own samples.

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
    tf.random.set_seed(3)  # a near-tie sampled to its runner-up would break the argmax replay
    with tf.GradientTape() as tape:
        logits = model.decoder.logits(z, windows, sampling_probability=tf.constant(1.0))
        loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(windows, logits))
    own = tf.argmax(logits, -1, output_type=tf.int32)  # what the decoder sampled (peaked)
    replay = model.decoder.logits(z, own, sampling_probability=0.0)  # fed [start, own[:-1]]
    np.testing.assert_allclose(logits.numpy(), replay.numpy(), rtol=1e-4, atol=0.5)
    assert not np.array_equal(own.numpy(), windows.numpy())
    gradients = tape.gradient(loss, model.decoder.trainable_variables)
    assert all(g is not None and np.all(np.isfinite(g.numpy())) for g in gradients)


def test_long_windows_step_through_with_the_same_feedback():
    """Beyond the unroll limit the decoder steps in a while loop: at p=1 its logits equal a
    teacher-forced replay of the tokens it chose, as the two-pass path's do. The replay feeds
    the chosen tokens themselves, not the argmax of the logits: sampling may pick a near-tie's
    runner-up, and a replay of the argmax would then diverge from that step on."""
    model = _model()
    decoder = model.decoder
    windows = tf.constant(np.random.default_rng(4).integers(0, 90, size=(3, 70)), tf.int32)
    z = tf.constant(np.random.default_rng(5).normal(size=(3, 16)), tf.float32)
    targets = windows[:, :, None]
    start = -tf.ones([3, 1], tf.int32)
    conditioning = decoder.condition_on(z)
    logits, chosen = decoder.fed_back(conditioning, targets, start, tf.constant(1.0))
    fed = tf.concat([start[:, None], chosen[:, :-1]], axis=1)
    replay = decoder.forced_logits(conditioning, fed)
    np.testing.assert_allclose(logits.numpy(), replay.numpy(), rtol=1e-4, atol=0.5)
    assert not np.array_equal(chosen.numpy(), targets.numpy())
    # The public entry point takes the same stepping path for a window this long.
    tf.random.set_seed(6)
    stepped = decoder.logits(z, windows, sampling_probability=tf.constant(1.0))
    assert stepped.shape == logits.shape and np.all(np.isfinite(stepped.numpy()))
