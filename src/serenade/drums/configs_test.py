import json

import pytest

from serenade.conversion import converter_for_config, count_windows
from serenade.drums import DrumsConverter
from serenade.drums.classes import FULL, REDUCED
from serenade.registry import magenta_configs

from testing.fixtures import DRUM_FIXTURES, drum_fixture_inputs

CONFIG_NAMES = magenta_configs("drums")

# magenta's DrumsConverter arguments per config, as its configs.py writes them.
MAGENTA_SETTINGS = {
    "cat-drums_2bar_small": dict(max_bars=100, slice_bars=2, steps_per_quarter=4,
                                 roll_input=True),
    "cat-drums_2bar_big": dict(max_bars=100, slice_bars=2, steps_per_quarter=4, roll_input=True),
    "nade-drums_2bar_reduced": dict(max_bars=100, slice_bars=2, steps_per_quarter=4,
                                    roll_input=True, roll_output=True),
    "nade-drums_2bar_full": dict(max_bars=100, pitch_classes="FULL_DRUM_PITCH_CLASSES",
                                 slice_bars=2, steps_per_quarter=4, roll_input=True,
                                 roll_output=True),
}


@pytest.mark.parametrize("name, classes, roll_output, input_depth, output_depth", [
    ("cat-drums_2bar_small", REDUCED, False, 10, 512),
    ("cat-drums_2bar_big", REDUCED, False, 10, 512),
    ("nade-drums_2bar_reduced", REDUCED, True, 10, 9),
    ("nade-drums_2bar_full", FULL, True, 62, 61),
])
def test_every_config_name(name, classes, roll_output, input_depth, output_depth):
    converter = converter_for_config(name)
    assert isinstance(converter, DrumsConverter) and name in CONFIG_NAMES
    assert converter.pitch_classes is classes and converter.roll_input
    assert converter.roll_output == roll_output
    assert (converter.input_depth, converter.output_depth) == (input_depth, output_depth)
    assert (converter.window_steps, converter.steps_per_bar, converter.max_bars) == (32, 16, 100)
    assert (converter.gap_bars, converter.max_tensors_per_notesequence) == (1.0, 5)
    assert converter.transpose_range is None
    settings = dict(MAGENTA_SETTINGS[name])
    settings["pitch_classes"] = FULL if "pitch_classes" in settings else REDUCED
    assert DrumsConverter(**settings) == converter


def test_depths_match_magentas():
    record = json.loads((DRUM_FIXTURES / "fixture.json").read_text())["configs"]
    assert set(record) == set(CONFIG_NAMES) == set(MAGENTA_SETTINGS)
    for name, info in record.items():
        converter = converter_for_config(name)
        assert (converter.input_depth, converter.output_depth) == (info["input_depth"],
                                                                   info["output_depth"])
        assert converter.max_tensors_per_notesequence == info["max_tensors_per_notesequence"]


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="cat-drums_2bar_small.*nade-drums_2bar_full"):
        converter_for_config("drums_2bar")


def test_count_windows_matches_magentas_counts():
    record = json.loads((DRUM_FIXTURES / "fixture.json").read_text())["configs"]
    inputs = drum_fixture_inputs()
    for name in CONFIG_NAMES:
        assert [count_windows(sequence, name) for _, sequence in inputs] == \
            record[name]["windows_per_input"]
