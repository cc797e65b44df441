import numba
import numpy as np

from serenade.models import fast_kernels
from serenade.models.numpy_decoder import _Layer


@numba.njit
def _tanh_all(x, out):
    for k in range(x.size):
        out[k] = fast_kernels.tanh(x[k])


def _tanh(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    _tanh_all(x, out)
    return out


def test_tanh_is_within_a_few_float32_roundings():
    x = np.concatenate([np.linspace(-30, 30, 600001), [np.inf, -np.inf]]).astype(np.float32)
    want = np.tanh(x.astype(np.float64))
    assert np.abs(_tanh(x) - want).max() < 4e-7
    tiny = (np.float32(10.0) ** np.linspace(-30, -1, 1000)).astype(np.float32)
    np.testing.assert_allclose(_tanh(tiny), np.tanh(tiny.astype(np.float64)), rtol=4e-7)
    np.testing.assert_array_equal(_tanh(-tiny), -_tanh(tiny))


def _prepared(rng, inputs, units):
    kernel = rng.normal(scale=0.5, size=(inputs + units, 4 * units)).astype(np.float32)
    return _Layer.prepare(kernel, rng.normal(size=4 * units).astype(np.float32))


def test_layer_kernels_match_the_numpy_cell_update():
    rng = np.random.default_rng(0)
    rows, units, tokens = 7, 24, 5
    layer = _prepared(rng, tokens + 3, units)
    h, c = (rng.normal(size=(rows, units)).astype(np.float32) for _ in range(2))
    matmul = rng.normal(size=(rows, 4 * units)).astype(np.float32)
    condition = rng.normal(size=(rows, 4 * units)).astype(np.float32)
    token_rows = np.vstack([layer.kernel[:tokens], np.zeros((1, 4 * units), np.float32)])
    previous = np.array([0, 4, -1, 2, -1, 1, 3])

    # reference: plain numpy, with the token's one-hot row looked up (none for -1)
    gates = matmul + condition + np.where(previous[:, None] >= 0, layer.kernel[previous], 0)
    want_h, want_c = np.empty_like(h), c.copy()
    layer.update(gates.astype(np.float32), want_c, want_h, np.empty_like(c))

    got_h, got_c, copy = h.copy(), c.copy(), np.full((rows, units + 3), 9.0, np.float32)
    fast_kernels.first_layer_step(matmul.copy(), condition, token_rows, previous, got_c, got_h,
                                  copy, 3)
    np.testing.assert_allclose(got_c, want_c, atol=2e-6)
    np.testing.assert_allclose(got_h, want_h, atol=2e-6)
    np.testing.assert_array_equal(copy[:, 3:], got_h)
    assert (copy[:, :3] == 9.0).all()  # only the h columns are written

    stacked, top = np.full((rows, 4 + units), 9.0, np.float32), np.empty((rows, units), np.float32)
    got_c = c.copy()
    fast_kernels.layer_step(matmul.copy(), layer.bias, got_c, stacked, 4, top, 0)
    want_h, want_c = np.empty_like(h), c.copy()
    layer.update(matmul + layer.bias, want_c, want_h, np.empty_like(c))
    np.testing.assert_allclose(got_c, want_c, atol=2e-6)
    np.testing.assert_allclose(stacked[:, 4:], want_h, atol=2e-6)
    np.testing.assert_array_equal(top, stacked[:, 4:])
    assert (stacked[:, :4] == 9.0).all()


def test_class_draws_are_numpys_softmax_cumsum_draws():
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=4, size=(500, 90)).astype(np.float32)
    bias = rng.normal(size=90).astype(np.float32)
    draws = rng.random(500, dtype=np.float32)
    draws[:2] = [0.0, np.float32(1 - 2**-24)]  # the extremes of rng.random
    for temperature in (np.float32(0.5), np.float32(1.3)):
        # reference: the same arithmetic in numpy
        scaled = (logits + bias) / temperature
        weights = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        running = np.cumsum(weights, axis=1)
        want = np.minimum((running < (draws * running[:, -1])[:, None]).sum(axis=1), 89)

        got_logits, shifted = logits.copy(), np.empty_like(logits)
        fast_kernels.shifted_scaled_logits(got_logits, bias, temperature, shifted)
        np.testing.assert_array_equal(got_logits, logits + bias)
        assert (shifted.max(axis=1) == 0).all()
        got = np.empty(500, np.int64)
        fast_kernels.pick_classes(np.exp(shifted), draws, got)
        np.testing.assert_array_equal(got, want)


def test_bfloat16_bits_round_as_ml_dtypes_ties_to_even_and_convert_back_exactly():
    import ml_dtypes

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(scale=10.0, size=4096), [0.0, -0.0, 1.0, -3.5, 1e-30, 6e4]])
    x = x.astype(np.float32)
    # exact ties: halfway between two bfloat16 numbers, both parities of the kept bit
    ties = (np.array([0x3F808000, 0x3F818000, 0xBF808000], np.uint32)).view(np.float32)
    x = np.concatenate([x, ties])
    bits = np.empty(x.shape, np.uint16)
    fast_kernels.to_bfloat16_bits(x, bits)
    np.testing.assert_array_equal(bits, x.astype(ml_dtypes.bfloat16).view(np.uint16))
    back = np.empty(x.shape, np.float32)
    fast_kernels.from_bfloat16_bits(bits, back)
    np.testing.assert_array_equal(back, bits.view(ml_dtypes.bfloat16).astype(np.float32))
