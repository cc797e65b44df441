import numpy as np
import tensorflow as tf

from serenade.models.recurrence import UNROLL_LIMIT, run_recurrence, unrolls


def test_chunked_fused_and_while_loop_recurrences_agree_with_gradients():
    """150 steps of a known length run as fused chunks of UNROLL_LIMIT; of an unknown length,
    in a while loop: the same outputs, final state and weight gradient."""
    rng = np.random.default_rng(1)
    kernel = tf.Variable(rng.normal(size=(6, 24)).astype(np.float32) * 0.3)
    projected = tf.constant(rng.normal(size=(150, 3, 24)).astype(np.float32))
    h = c = tf.zeros([3, 6])

    def run(inputs):
        with tf.GradientTape() as tape:
            outputs, last_h, last_c = run_recurrence(inputs, kernel, h, c)
            loss = tf.reduce_sum(outputs ** 2) + tf.reduce_sum(last_c)
        return outputs, last_h, tape.gradient(loss, kernel)

    chunked = run(projected)
    looped = tf.function(run, input_signature=[tf.TensorSpec([None, 3, 24], tf.float32)])(
        projected)
    for got, want in zip(chunked, looped):
        np.testing.assert_allclose(got, want, atol=1e-4, rtol=1e-4)
    assert not unrolls(150) and unrolls(UNROLL_LIMIT) and not unrolls(None)
    assert 150 > 2 * UNROLL_LIMIT  # three chunks, the last one short
