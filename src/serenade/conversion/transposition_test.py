"""`train.transpose` for every model family: the config's own, none, or a range of its own."""

import numpy as np
import pytest

from serenade.base.midi_parser import read_midi
from serenade.conversion import converter_for_config
from serenade.melody.transposition import transpose
from serenade.paths import MAGENTA_FIXTURES
from serenade.errors import UserError
from serenade.training.settings import TrainSettings, resolve_config


@pytest.mark.parametrize("config", ["cat-mel_2bar_small", "cat-mel_2bar_med_chords",
                                    "cat-drums_2bar_small", "hierdec-trio_16bar",
                                    "hier-multiperf_vel_1bar_med_chords"])
def test_every_converter_can_train_without_transposition(config):
    plain = converter_for_config(config).with_transposition(None)
    assert getattr(plain, "transpose_range", None) is None
    rng = np.random.default_rng(0)
    assert {plain.draw_transposition(True, rng) for _ in range(20)} == {0}
    assert type(plain) is type(converter_for_config(config))


def test_the_chord_and_multiperf_configs_transpose_otherwise():
    rng = np.random.default_rng(0)
    for config in ("cat-mel_2bar_med_chords", "hier-multiperf_vel_1bar_med",
                   "hier-multiperf_vel_1bar_big_chords"):
        converter = converter_for_config(config)
        assert converter.transpose_range == (-3, 3)
        assert len({converter.draw_transposition(True, rng) for _ in range(50)}) > 1


@pytest.mark.parametrize("config", ["hierdec-mel_16bar", "cat-mel_2bar_med_chords",
                                    "hier-multiperf_vel_1bar_tiny"])
def test_a_range_transposes_configs_magenta_never_or_less_transposes(config):
    settings = TrainSettings.from_mapping({"steps": 1, "transpose": [-5, 5]})
    converter = settings.training_converter(converter_for_config(config))
    assert converter.transpose_range == (-5, 5)
    rng = np.random.default_rng(0)
    assert {converter.draw_transposition(True, rng) for _ in range(300)} == set(range(-5, 6))
    assert converter.draw_transposition(False, rng) == 0  # no notes: no draw, as magenta


def test_a_16bar_training_draw_is_an_inference_window_moved_by_the_drawn_amount():
    converter = TrainSettings.from_mapping({"steps": 1, "transpose": [-5, 5]}).training_converter(
        converter_for_config("hierdec-mel_16bar"))
    sequence = read_midi(MAGENTA_FIXTURES / "hierdec-mel_16bar-tiny" / "cases" /
                         "GameCockReel_0.mid")
    plain = converter.with_transposition(None)
    for amount in (-5, 3):
        moved = {tuple(w) for piece in converter.training_pieces(sequence, amount) for w in piece}
        expected = {tuple(w) for w in plain.to_windows(transpose(sequence, amount)[0])}
        assert moved and moved == expected
        assert moved.isdisjoint({tuple(w) for w in plain.to_windows(sequence)})


@pytest.mark.parametrize("transpose, reason", [
    ([5, -5], "empty range"), ([-13, 0], "-13"), ([1], "too short")])
def test_bad_ranges_are_refused_with_the_key(transpose, reason):
    with pytest.raises(UserError, match=r"train\.transpose"):
        TrainSettings.from_mapping({"steps": 1, "transpose": transpose})


def test_a_range_for_a_family_that_cannot_transpose_is_refused_by_name():
    settings = TrainSettings.from_mapping({"steps": 1, "transpose": [-2, 2]})
    with pytest.raises(ValueError, match=r"cannot be transposed.*train\.transpose"):
        resolve_config("cat-drums_2bar_small", "", settings)
