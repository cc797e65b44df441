import numpy as np
import tensorflow as tf

from serenade.models.decoders import FlatDecoder, HierarchicalDecoder


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
