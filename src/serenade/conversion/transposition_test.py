"""`train.transpose: false` for every model family: the converter without transposition."""

import numpy as np
import pytest

from serenade.conversion import converter_for_config


@pytest.mark.parametrize("config", ["cat-mel_2bar_small", "cat-mel_2bar_med_chords",
                                    "cat-drums_2bar_small", "hierdec-trio_16bar"])
def test_every_converter_can_train_without_transposition(config):
    plain = converter_for_config(config).without_transposition()
    assert getattr(plain, "transpose_range", None) is None
    rng = np.random.default_rng(0)
    assert {plain.draw_transposition(True, rng) for _ in range(20)} == {0}
    assert type(plain) is type(converter_for_config(config))


def test_the_melody_and_chord_configs_transpose_otherwise():
    rng = np.random.default_rng(0)
    for config in ("cat-mel_2bar_med_chords",):
        converter = converter_for_config(config)
        assert converter.transpose_range == (-3, 3)
        assert len({converter.draw_transposition(True, rng) for _ in range(50)}) > 1
