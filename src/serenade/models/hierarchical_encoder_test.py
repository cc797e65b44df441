import numpy as np
import pytest

from serenade.models import magenta_layout as layout
from serenade.models.hierarchical_encoder import HierarchicalEncoder


def _randomized(encoder, seed=0):
    rng = np.random.default_rng(seed)
    encoder.build()
    for variable in encoder.trainable_variables:
        variable.assign(rng.normal(scale=0.4, size=variable.shape).astype(np.float32))
    return rng


def test_levels_shapes_and_magenta_names():
    encoder = HierarchicalEncoder([6, 4], (4, 3), part_depths=(90, 90, 512))
    encoder.build()
    assert encoder.window_steps == 12 and encoder.output_depth == 8
    names = {k: tuple(v.shape) for k, v in encoder.magenta_variables().items()}
    level_0 = layout.encoder_cell_scope(0, "fw", layout.hierarchical_encoder_level(0))
    level_1 = layout.encoder_cell_scope(0, "bw", layout.hierarchical_encoder_level(1))
    assert names[f"{level_0}/kernel"] == (692 + 6, 24)  # the parts' one-hots side by side
    assert names[f"{level_1}/kernel"] == (8 + 6, 24)  # reads level 0's encodings
    assert level_1.startswith("encoder/hierarchical_level_1/cell_0/bidirectional_rnn/bw/")
    assert len(names) == 2 * 2 * 2 * 2  # levels x layers x directions x (kernel, bias)
    windows = np.zeros((5, 12, 3), np.int32)
    assert encoder(windows).shape == (5, 8)
    with pytest.raises(ValueError, match="windows of 12 steps"):
        encoder(np.zeros((1, 16, 3), np.int32))


def test_each_segment_is_encoded_alone_then_read_in_order():
    """Level 0 encodes each segment on its own (changing one segment changes only its
    encoding), level 1 reads the segment encodings in order; windows of a batch stay apart."""
    encoder = HierarchicalEncoder([5], (4, 3), part_depths=(90,))
    rng = _randomized(encoder)
    windows = rng.integers(0, 90, size=(2, 12)).astype(np.int32)
    got = encoder(windows).numpy()

    def segments(window):
        return np.stack([encoder.levels[0](window[None, 4 * s:4 * (s + 1)]).numpy()[0]
                         for s in range(3)])

    for b in range(2):
        reference = encoder.levels[1](segments(windows[b])[None]).numpy()[0]
        np.testing.assert_allclose(got[b], reference, atol=1e-5)
        np.testing.assert_allclose(encoder(windows[b:b + 1]).numpy()[0], got[b], atol=1e-5)
    changed = windows[0].copy()
    changed[4:8] = (changed[4:8] + 1) % 90  # segment 1 only
    before, after = segments(windows[0]), segments(changed)
    np.testing.assert_array_equal(before[[0, 2]], after[[0, 2]])
    assert not np.allclose(before[1], after[1])
    assert not np.allclose(encoder(changed[None]).numpy()[0], got[0])


def test_runs_in_mixed_bfloat16():
    import keras

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        encoder = HierarchicalEncoder([4, 4], (4, 4), part_depths=(90,))
        encoding = encoder(np.ones((2, 16), np.int32))
        # the encoding is the final LSTM state, kept float32 (serenade.models.lstm)
        assert encoding.dtype == "float32" and encoding.shape == (2, 8)
        assert encoder.compute_dtype == "bfloat16"
    finally:
        keras.mixed_precision.set_global_policy("float32")
