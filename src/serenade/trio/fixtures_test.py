"""The tiny trio model fixture (magenta-trained hierdec-trio_16bar) agrees with our converter.

The checkpoint parity itself (mu, sigma, greedy decodes, logits) belongs to the model code;
here: the fixture is complete, small, and its windows are exactly what our converter gives.
"""

import json
import tarfile

import numpy as np
import pytest
from note_seq import midi_io

from serenade.paths import REPO_ROOT
from serenade.conversion import converter_for_config

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "magenta"
NAMES = [name for name in ("hierdec-trio_16bar-tiny", "flat-trio_16bar-tiny")
         if (FIXTURES / name).is_dir()]


@pytest.mark.parametrize("name", NAMES)
def test_fixture_is_complete_and_small(name):
    folder = FIXTURES / name
    info = json.loads((folder / "fixture.json").read_text())
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 2_000_000
    assert info["parts"] == [90, 90, 512]
    with tarfile.open(folder / info["bundle"]) as bundle:
        assert sorted(bundle.getnames()) == [f"{info['config']}.ckpt.data-00000-of-00001",
                                             f"{info['config']}.ckpt.index"]
    assert (folder / (info["checkpoint"] + ".index")).is_file()
    assert "encoder/mu/kernel" in info["variables"]


@pytest.mark.parametrize("name", NAMES)
def test_fixture_windows_are_our_windows(name):
    folder = FIXTURES / name
    info = json.loads((folder / "fixture.json").read_text())
    converter = converter_for_config(info["config"])
    with np.load(folder / "expected.npz") as expected:
        for k, case in enumerate(info["cases"]):
            windows = converter.to_windows(midi_io.midi_file_to_note_sequence(
                str(folder / case["midi"])))
            assert len(windows) == case["num_windows"]
            if case["num_windows"]:
                np.testing.assert_array_equal(windows, expected[f"case{k}_windows"])
                assert expected[f"case{k}_greedy_from_mu"].shape == (256, 3)


@pytest.mark.parametrize("name", NAMES)
def test_checkpoint_holds_the_listed_variables(name):
    tf = pytest.importorskip("tensorflow")
    folder = FIXTURES / name
    info = json.loads((folder / "fixture.json").read_text())
    reader = tf.train.load_checkpoint(str(folder / info["checkpoint"]))
    shapes = reader.get_variable_to_shape_map()
    assert {k: list(v) for k, v in shapes.items()} == info["variables"]
