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


@pytest.mark.parametrize("name, reason", [
    ("hierdec-mel_16bar", "hierarchical decoder only with magenta's hierarchical encoder"),
    ("flat-mel_16bar", "one bidirectional layer"),
    ("flat-trio_16bar", "one bidirectional layer"),
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
