"""magenta.js specs of our configs, the refusals, and the weights format round trip."""

from __future__ import annotations

import numpy as np
import pytest

from serenade.models.configs import get_config
from serenade.models.magenta_js import NotForMagentaJs, model_spec, weights_manifest


def test_melody_spec_is_magenta_js_melody_converter():
    assert model_spec(get_config("cat-mel_2bar_big")) == {
        "type": "MusicVAE", "useBooleanDecoder": False, "conditionOnKey": False,
        "dataConverter": {"type": "MelodyConverter",
                          "args": {"numSteps": 32, "minPitch": 21, "maxPitch": 108}}}


def test_hierarchical_and_drum_specs():
    trio = model_spec(get_config("hier-trio_16bar"))["dataConverter"]
    assert trio["type"] == "TrioConverter" and trio["args"]["numSegments"] == 16
    assert trio["args"]["melArgs"] == {"minPitch": 21, "maxPitch": 108}
    assert len(trio["args"]["drumsArgs"]["pitchClasses"]) == 9
    drums = model_spec(get_config("nade-drums_2bar_full"))["dataConverter"]
    assert drums["type"] == "DrumRollConverter" and len(drums["args"]["pitchClasses"]) == 61
    assert model_spec(get_config("cat-drums_2bar_small"))["dataConverter"]["type"] == \
        "DrumsConverter"


def test_chord_conditioned_melody_uses_the_triad_chord_encoder():
    spec = model_spec(get_config("cat-mel_2bar_med_chords"))
    assert spec["chordEncoder"] == "TriadChordEncoder"
    assert spec["dataConverter"]["type"] == "MelodyConverter"


def test_groove_specs_are_magenta_js_groove_converter():
    args = model_spec(get_config("groovae_2bar_humanize"))["dataConverter"]["args"]
    assert args["numSteps"] == 32 and args["stepsPerQuarter"] == 4
    assert (args["humanize"], args["tapify"], args["splitInstruments"]) == (True, False, False)
    assert args["pitchClasses"][0] == [36, 35] and len(args["pitchClasses"]) == 9
    tap = model_spec(get_config("groovae_2bar_tap_fixed_velocity"))["dataConverter"]
    assert tap["type"] == "GrooveConverter" and tap["args"]["tapify"]
    assert model_spec(get_config("groovae_4bar"))["dataConverter"]["args"]["numSteps"] == 64


def test_groove_hits_controls_are_magenta_js_extra_controls():
    spec = model_spec(get_config("groovae_2bar_hits_control_tfds"))
    assert spec["extraControls"] == [{"name": "hits", "depth": 9}]
    assert "chordEncoder" not in spec and not spec["dataConverter"]["args"]["humanize"]


def test_multi_instrument_spec_is_magenta_js_multitrack_converter():
    assert model_spec(get_config("hier-multiperf_vel_1bar_big"))["dataConverter"] == {
        "type": "MultitrackConverter",
        "args": {"numSteps": 512, "numSegments": 8, "stepsPerQuarter": 24, "totalSteps": 96,
                 "numVelocityBins": 8, "minPitch": 0, "maxPitch": 127}}


@pytest.mark.parametrize("name, reason", [
    ("hierdec-mel_16bar", "hierarchical decoder only with magenta's hierarchical encoder"),
    ("flat-mel_16bar", "one bidirectional layer"),
    ("flat-trio_16bar", "one bidirectional layer"),
    ("groovae_2bar_add_closed_hh", r"does not see drum classes \[2\] \(add_instruments\)"),
    ("groovae_2bar_tap_fixed_velocity_note_dropout", "has no note dropout"),
    ("hier-multiperf_vel_1bar_med_chords", "one chord per window"),
    ("hier-multiperf_vel_1bar_big_chords", "one chord per window"),
])
def test_configs_magenta_js_cannot_run_are_refused_by_name(name, reason):
    with pytest.raises(NotForMagentaJs, match=f"config {name} .*{reason}"):
        model_spec(get_config(name))


def test_weights_are_float32_shards_in_manifest_order():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1.5, -2.0], np.float64)
    manifest, shards = weights_manifest([("x/kernel", a), ("x/bias", b)], shard_bytes=12)
    assert manifest == [{"paths": ["group1-shard1of3.bin", "group1-shard2of3.bin",
                                   "group1-shard3of3.bin"],
                         "weights": [{"name": "x/kernel", "shape": [2, 3], "dtype": "float32"},
                                     {"name": "x/bias", "shape": [2], "dtype": "float32"}]}]
    data = np.frombuffer(b"".join(shards), "<f4")
    np.testing.assert_array_equal(data, [0, 1, 2, 3, 4, 5, 1.5, -2.0])
