import numpy as np
import pytest

from serenade.base.bit_inputs import BitInputs, window_dtype


def test_vectors_are_the_bits_then_nothing_hit_and_zeros_for_no_input():
    roll_input = BitInputs(61, nothing_bit=True)
    masks = np.array([0, 1 | 1 << 60, -1], np.int64)
    vectors = roll_input.vectors(masks)
    assert vectors.shape == (3, 62) and vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors[0], np.eye(62)[61])  # nothing hit
    assert vectors[1].nonzero()[0].tolist() == [0, 60]
    assert not vectors[2].any()  # nothing fed (t = 0)
    assert BitInputs(9).vectors(np.array([[5]])).tolist() == [[[1, 0, 1, 0, 0, 0, 0, 0, 0]]]
    assert roll_input.depth == 62 and BitInputs(9).depth == 9


def test_bits_are_checked():
    with pytest.raises(ValueError, match="1..62"):
        BitInputs(63)


def test_window_dtype_widens_only_past_int16():
    assert window_dtype((90,)) == np.int16 and window_dtype((90, 90, 512)) == np.int16
    assert window_dtype((1 << 61,)) == np.int64
