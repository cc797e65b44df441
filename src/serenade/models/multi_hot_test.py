import numpy as np
import tensorflow as tf

from serenade.base.bit_inputs import BitInputs
from serenade.models import multi_hot
from serenade.models.heads import NadeHead


def _masks():
    rng = np.random.default_rng(0)
    bits = rng.random((4, 32, 61)) < 0.2
    bits[0, 0] = False  # nothing hit
    return (bits.astype(np.int64) << np.arange(61)).sum(-1), bits


def test_bits_past_int32():
    masks, bits = _masks()
    assert masks.max() >= 2**31
    np.testing.assert_array_equal(multi_hot.bits_of(tf.constant(masks), 61).numpy(), bits)


def test_input_vectors_and_product_equal_numpys():
    masks, _ = _masks()
    masks[1, 0] = -1  # nothing fed
    inputs = BitInputs(61, nothing_bit=True)
    vectors = multi_hot.input_vectors(tf.constant(masks), inputs).numpy()
    np.testing.assert_array_equal(vectors, inputs.vectors(masks))
    kernel = np.random.default_rng(1).standard_normal((62, 8)).astype(np.float32)
    np.testing.assert_allclose(multi_hot.input_product(tf.constant(masks), inputs,
                                                       tf.constant(kernel)).numpy(),
                               inputs.vectors(masks) @ kernel, rtol=1e-5, atol=1e-5)


def test_nade_head_over_61_bits_gives_int64_masks():
    head = NadeHead(61, 4)
    head.build()
    masks, _ = _masks()
    outputs = tf.random.stateless_normal([4, 32, 65], seed=[1, 2])
    predicted = head.predicted(outputs)
    assert predicted.dtype == tf.int64 and predicted.shape == (4, 32)
    assert head.sample(outputs[:, 0]).dtype == tf.int64
    loss = head.cross_entropy(tf.constant(masks), outputs)
    assert loss.shape == (4, 32) and np.all(loss.numpy() > 0)
    reduced = NadeHead(9, 4)
    reduced.build()
    assert reduced.predicted(outputs[..., :13]).dtype == tf.int32  # the reduced kit's
