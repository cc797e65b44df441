import numpy as np
import pytest
import tensorflow as tf

from serenade.models.configs import get_config
from serenade.models.vae import MusicVAE


def random_windows(n, steps, seed=0):
    return np.random.default_rng(seed).integers(0, 90, size=(n, steps)).astype(np.int32)


@pytest.fixture(scope="module", params=["cat-mel_2bar_tiny", "flat-mel_16bar_tiny",
                                        "hierdec-mel_16bar_tiny", "hier-mel_16bar_tiny"])
def model(request):
    model = MusicVAE(get_config(request.param))
    model.build()
    # larger weights than the initializers give, so that outputs depend visibly on inputs
    rng = np.random.default_rng(3)
    for variable in model.trainable_variables:
        variable.assign(rng.normal(scale=0.3, size=variable.shape).astype(np.float32))
    return model


def test_call_returns_logits_and_posterior(model):
    windows = random_windows(3, model.window_steps)
    out = model(windows, training=True)
    assert out["logits"].shape == (3, model.window_steps, 90)
    for key in ("mu", "sigma", "z"):
        assert out[key].shape == (3, model.z_size)
    assert (out["sigma"].numpy() > 0).all()


def test_every_weight_gets_a_gradient(model):
    windows = random_windows(2, model.window_steps)
    with tf.GradientTape() as tape:
        out = model(windows, sampling_probability=0.0, training=True)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(windows, out["logits"]))
        loss += tf.reduce_mean(out["mu"] ** 2 + out["sigma"])
    grads = tape.gradient(loss, model.trainable_variables)
    assert len(model.trainable_variables) == len(model.magenta_variables())
    assert all(g is not None for g in grads)


def test_scheduled_sampling_feeds_back_samples(model):
    z = tf.constant(np.random.default_rng(1).normal(size=(4, model.z_size)).astype(np.float32))
    a, b = random_windows(4, model.window_steps, 1), random_windows(4, model.window_steps, 2)
    if model.config.hierarchical:
        # each bar's first input is the true last event of the previous bar (as magenta)
        bar = model.config.hierarchical.level_lengths[1]
        b[:, bar - 1::bar] = a[:, bar - 1::bar]
    logits = model.decoder.logits
    # p = 0 given as a tensor takes the step-by-step path and equals teacher forcing
    np.testing.assert_allclose(logits(z, a, sampling_probability=tf.constant(0.0)),
                               logits(z, a), atol=1e-5)
    # p = 1: every input is the model's own sample, so the targets do not matter
    tf.random.set_seed(7)
    with_a = logits(z, a, sampling_probability=1.0)
    tf.random.set_seed(7)
    with_b = logits(z, b, sampling_probability=1.0)
    np.testing.assert_allclose(with_a, with_b, atol=1e-6)
    assert np.abs(logits(z, a).numpy() - logits(z, b).numpy()).max() > 1e-3


def test_numpy_generation_agrees_with_the_keras_decoder(model):
    z = np.random.default_rng(2).normal(size=(5, model.z_size)).astype(np.float32)
    events, logits = model.decode(z, temperature=0.0)
    assert events.shape == (5, model.window_steps)
    np.testing.assert_array_equal(events, logits.argmax(-1))
    teacher = model.decoder.logits(tf.constant(z), tf.constant(events.astype(np.int32))).numpy()
    np.testing.assert_allclose(logits, teacher, atol=1e-4)


def test_sampling_is_seeded_and_temperature_matters(model):
    first, _ = model.sample(6, temperature=1.0, seed=5)
    again, _ = model.sample(6, temperature=1.0, seed=5)
    np.testing.assert_array_equal(first, again)
    z = np.zeros((300, model.z_size), np.float32)
    cold, _ = model.decode(z, temperature=0.0)
    hot, _ = model.decode(z, temperature=1.0, seed=1)
    assert len({tuple(r) for r in cold}) == 1 and len({tuple(r) for r in hot}) > 1


def test_similar_at_similarity_1_decodes_mu(model):
    a = random_windows(1, model.window_steps, 4)[0]
    _, mu, _ = model.encode(a[None])
    z, events, _ = model.similar(a, 3, similarity=1.0, temperature=0.0)
    np.testing.assert_allclose(z, np.repeat(mu[:1], 3, axis=0), atol=1e-6)
    assert len({tuple(r) for r in events}) == 1


def test_bad_shapes_are_errors(model):
    with pytest.raises(ValueError, match="windows must be"):
        model.encode(np.zeros((1, 7), np.int32))
    with pytest.raises(ValueError, match="z must be"):
        model.decode(np.zeros((1, model.z_size + 1)))


def test_trains_under_mirrored_strategy():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        model = MusicVAE(get_config("cat-mel_2bar_tiny"))
        model.build()
        optimizer = tf.keras.optimizers.Adam(0.01)
    windows = random_windows(8, 32)

    @tf.function
    def step(batch):
        def replica(batch):
            with tf.GradientTape() as tape:
                out = model(batch, sampling_probability=0.5, training=True)
                loss = tf.reduce_mean(
                    tf.nn.sparse_softmax_cross_entropy_with_logits(batch, out["logits"]))
            optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                          model.trainable_variables))
            return loss
        return strategy.reduce("MEAN", strategy.run(replica, (batch,)), axis=None)

    losses = [float(step(tf.constant(windows))) for _ in range(15)]
    assert losses[-1] < losses[0]


def test_prepared_decoder_is_kept_until_the_weights_change():
    model = MusicVAE(get_config("cat-mel_2bar_tiny"))
    model.build()
    z = np.random.default_rng(5).normal(size=(4, model.z_size)).astype(np.float32)
    before, _ = model.decode(z, temperature=0.0)
    assert model.numpy_decoder() is model.numpy_decoder()  # prepared once, reused
    rng = np.random.default_rng(6)
    weights = {name: rng.normal(scale=0.3, size=v.shape).astype(np.float32)
               for name, v in model.magenta_variables().items()}
    model.assign_magenta_weights(weights)
    after, _ = model.decode(z, temperature=0.0)
    fresh = MusicVAE(get_config("cat-mel_2bar_tiny"))
    fresh.build()
    fresh.assign_magenta_weights(weights)
    np.testing.assert_array_equal(after, fresh.decode(z, temperature=0.0)[0])
    assert not np.array_equal(before, after)
    with pytest.raises(ValueError, match="decoder/output_projection/bias: missing"):
        model.assign_magenta_weights({k: v for k, v in weights.items()
                                      if k != "decoder/output_projection/bias"})
