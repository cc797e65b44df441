import numpy as np
import tensorflow as tf

from serenade.models.recurrence import UNROLL_LIMIT, run_recurrence, unrolls


def test_unrolled_and_while_loop_recurrences_agree():
    rng = np.random.default_rng(1)
    kernel = tf.constant(rng.normal(size=(6, 24)).astype(np.float32) * 0.3)
    projected = tf.constant(rng.normal(size=(70, 3, 24)).astype(np.float32))
    h = c = tf.zeros([3, 6])
    long_out, long_h, _ = run_recurrence(projected, kernel, h, c)  # 70 steps: while loop
    outputs, last_h = [], h
    for start in range(0, 70, 35):  # two unrolled halves
        out, last_h, c = run_recurrence(projected[start:start + 35], kernel, last_h, c)
        outputs.append(out)
    np.testing.assert_allclose(long_out, tf.concat(outputs, 0), atol=1e-5)
    np.testing.assert_allclose(long_h, last_h, atol=1e-5)
    assert not unrolls(70) and unrolls(35) and not unrolls(None)
    assert UNROLL_LIMIT < 70
