"""The six GrooVAE converters have magenta's settings, as its own converters report them
(tests/fixtures/magenta/groove/fixture.json, recorded from configs.CONFIG_MAP)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from serenade.groove.configs import CONVERTERS

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "magenta" / "groove"
MAGENTA = json.loads((FIXTURE / "fixture.json").read_text(encoding="utf-8"))["configs"]


@pytest.mark.parametrize("name", sorted(MAGENTA))
def test_settings_are_magentas(name):
    ours, theirs = CONVERTERS[name], MAGENTA[name]["settings"]
    assert ours.split_bars == theirs["_split_bars"]
    assert ours.steps_per_quarter == theirs["_steps_per_quarter"]
    assert ours.steps_per_bar == theirs["_steps_per_bar"]
    assert ours.humanize == theirs["_humanize"]
    assert ours.tapify == theirs["_tapify"]
    assert ours.fixed_velocities == theirs["_fixed_velocities"]
    assert ours.hits_as_controls == theirs["_hits_as_controls"]
    assert ours.hop_size == theirs["_hop_size"]
    assert list(ours.add_instruments) == (theirs["_add_instruments"] or [])
    assert ours.max_note_dropout_probability == theirs["_max_note_dropout_probability"]
    assert ours.max_tensors_per_notesequence == theirs["_max_tensors_per_input"]
    assert [list(c) for c in ours.pitch_classes.classes] == theirs["_pitch_classes"]
    assert [list(c) for c in ours.classes_for("infer").classes] == theirs["_infer_pitch_classes"]
    # options we do not implement are off in every GrooVAE config
    assert not theirs["_split_instruments"] and theirs["_num_velocity_bins"] is None
    assert not theirs["_presplit_on_time_changes"]
    assert (ours.input_depth, ours.output_depth, ours.control_depth) == (
        MAGENTA[name]["input_depth"], MAGENTA[name]["output_depth"],
        MAGENTA[name]["control_depth"])


def test_window_sizes():
    assert {name: c.window_steps for name, c in CONVERTERS.items()} == {
        "groovae_4bar": 64, "groovae_2bar_humanize": 32, "groovae_2bar_tap_fixed_velocity": 32,
        "groovae_2bar_tap_fixed_velocity_note_dropout": 32, "groovae_2bar_add_closed_hh": 32,
        "groovae_2bar_hits_control_tfds": 32}
