"""nade-drums_2bar_full: a checkpoint made by magenta's own code loads and gives its numbers.

Fixture: tests/fixtures/magenta/nade-drums_2bar_full-tiny (see the README there), the full
config's structure with small sizes: 61 drum classes (one per General MIDI drum pitch), so a
step is a bit mask of 2**61 combinations, int64, read by the encoder as its 62-bit roll input
and modelled by the NADE bit by bit; nothing is tabulated per combination.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_family_parity import _cases, _masks, assert_nade_case_matches

from serenade.conversion import converter_for_config
from serenade.models.checkpoint import load_model
from serenade.models.latent_paths import walk

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, npz_arrays

CONFIG = "nade-drums_2bar_full"
FIXTURE = PROJECT_MAGENTA_FIXTURES / f"{CONFIG}-tiny"


@pytest.fixture(scope="module")
def expected():
    return npz_arrays(FIXTURE / "expected.npz")


@pytest.fixture(scope="module")
def model():
    return load_model(FIXTURE / "checkpoint", CONFIG)


def test_checkpoint_forms_load_the_same_weights(model):
    assert model.numpy_weights()["decoder/nade/w_enc"].shape == (61, 1, 16)
    prefix = next((FIXTURE / "checkpoint").glob("model.ckpt-*.index")).with_suffix("")
    for other in (load_model(prefix, CONFIG), load_model(FIXTURE / f"{CONFIG}.tar", CONFIG)):
        got = other.numpy_weights()
        assert all(np.array_equal(got[k], v) for k, v in model.numpy_weights().items())


def test_windows_and_encoder_inputs_are_magentas(expected):
    """The converter gives magenta's windows (as int64 masks) and the encoder reads them as
    magenta's 62-wide roll input."""
    converter = converter_for_config(CONFIG)
    cases = _cases(expected)
    assert len(cases) >= 5
    for case in cases:
        masks = _masks(expected[f"case{case}_windows"])
        np.testing.assert_array_equal(converter.encoder_inputs.vectors(masks[0]),
                                      expected[f"case{case}_input0"])
        np.testing.assert_array_equal(converter.outputs_for(masks),
                                      expected[f"case{case}_windows"].astype(bool))
    # some windows hit classes past bit 31 (int32 would wrap)
    assert any(_masks(expected[f"case{c}_windows"]).max() >= 2**31 for c in cases)


def test_encoder_nade_and_greedy_decodes_match_magenta(model, expected):
    """mu and sigma, the teacher-forced NADE biases, log-probs and conditionals, and the greedy
    decode (each bit at p >= 0.5) with its outputs, as magenta's own checkpoint gives."""
    for case in _cases(expected):
        window = _masks(expected[f"case{case}_windows"][:1])
        mu = assert_nade_case_matches(model, expected, case, window, cond_atol=1e-3)
        greedy, greedy_outputs = model.decode(mu, temperature=0.0)
        assert greedy.dtype == np.int64
        np.testing.assert_array_equal(greedy[0], _masks(expected[f"case{case}_greedy_from_mu"]))
        np.testing.assert_array_equal(greedy[0], _masks(expected[f"case{case}_temp0_from_mu"]))
        np.testing.assert_allclose(greedy_outputs[0], expected[f"case{case}_greedy_rnn_output"],
                                   atol=1e-3)


def test_interpolations_match_magenta(model, expected):
    pairs = [k[len("interp_"):-len("_z")] for k in expected
             if k.startswith("interp_") and k.endswith("_z")]
    assert pairs
    for pair in pairs:
        a, b = (int(i) for i in pair.split("_"))
        path = walk(model, [_masks(expected[f"case{a}_windows"][:1]),
                            _masks(expected[f"case{b}_windows"][:1])],
                    len(expected[f"interp_{pair}_z"]), temperature=0.0)
        np.testing.assert_allclose(path.z, expected[f"interp_{pair}_z"], atol=1e-4)
        np.testing.assert_array_equal(path.events, _masks(expected[f"interp_{pair}_greedy"]))
