"""A chord-conditioned checkpoint made by magenta's own code loads and gives magenta's numbers.

Fixture: tests/fixtures/magenta/cat-mel_2bar_med_chords-tiny (see the README there), recorded
with magenta's TrainedModel: mu and sigma of each case's window 0 encoded with its chords,
greedy decodes of mu (and their logits) with window 0's chords as `c_input`, and
interpolations between consecutive cases decoded with case a's chords. magenta's chord
windows come out of a set, so every check feeds the fixture's own windows and chords.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from serenade.models.checkpoint import load_model
from serenade.models.latent_paths import walk
from test_family_parity import _cases

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, npz_arrays

CONFIG = "cat-mel_2bar_med_chords"
FOLDER = PROJECT_MAGENTA_FIXTURES / "cat-mel_2bar_med_chords-tiny"


@pytest.fixture(scope="module")
def expected():
    return npz_arrays(FOLDER / "expected.npz")


@pytest.fixture(scope="module")
def model():
    return load_model(FOLDER / "checkpoint", CONFIG)


def _window0(model, expected, case):
    """Window 0 of a case as int32 [1, 32] and its chords as the model's controls [32, 49]."""
    window = expected[f"case{case}_windows"][:1].astype(np.int32)
    chords = expected[f"case{case}_controls"][0]
    return window, model.config.converter.controls(chords)


def test_bundle_forms_load_the_same_weights(model):
    prefix = next((FOLDER / "checkpoint").glob("model.ckpt-*.index")).with_suffix("")
    for other in (load_model(prefix, CONFIG), load_model(FOLDER / f"{CONFIG}.tar", CONFIG)):
        got = other.numpy_weights()
        assert all(np.array_equal(got[k], v) for k, v in model.numpy_weights().items())
    assert model.control_depth == 49


def test_mu_sigma_logits_and_greedy_decodes_match_magenta(model, expected):
    cases = _cases(expected)
    assert len(cases) == 6
    for case in cases:
        window, controls = _window0(model, expected, case)
        _, mu, sigma = model.encode(window, controls=controls)
        np.testing.assert_allclose(mu[0], expected[f"case{case}_mu"], atol=1e-4)
        np.testing.assert_allclose(sigma[0], expected[f"case{case}_sigma"], atol=1e-4)
        greedy, logits = model.decode(mu, temperature=0.0, controls=controls)
        np.testing.assert_array_equal(greedy[0], expected[f"case{case}_greedy_from_mu"])
        np.testing.assert_allclose(logits[0], expected[f"case{case}_greedy_logits"], atol=1e-3)
        # The Keras decoder, fed magenta's greedy decode, gives the same logits (teacher forcing).
        forced = model.decoder.logits(tf.constant(mu), tf.constant(greedy),
                                      controls=tf.constant(controls[None])).numpy()[0]
        np.testing.assert_allclose(forced, expected[f"case{case}_greedy_logits"], atol=1e-3)


def test_interpolations_match_magenta(model, expected):
    pairs = [k[len("interp_"):-len("_z")] for k in expected
             if k.startswith("interp_") and k.endswith("_z")]
    assert len(pairs) == 3
    for pair in pairs:
        a, b = (int(i) for i in pair.split("_"))
        windows = [expected[f"case{k}_windows"][0].astype(np.int32) for k in (a, b)]
        chords = np.stack([expected[f"case{k}_controls"][0] for k in (a, b)])
        z = expected[f"interp_{pair}_z"]
        path = walk(model, windows, len(z), temperature=0.0, chords=chords,
                    decode_chords=chords[0])  # magenta decodes over case a's chords
        np.testing.assert_allclose(path.z, z, atol=1e-4)
        np.testing.assert_array_equal(path.events, expected[f"interp_{pair}_greedy"])


def test_chords_change_the_decode_and_are_required(model, expected):
    window, controls = _window0(model, expected, 4)
    _, mu, _ = model.encode(window, controls=controls)
    other = model.config.converter.controls(np.full(32, 8, np.int16))  # G major throughout
    with_chords, _ = model.decode(mu, temperature=0.0, controls=controls)
    with_other, _ = model.decode(mu, temperature=0.0, controls=other)
    assert not np.array_equal(with_chords, with_other)
    with pytest.raises(ValueError, match="controls are required"):
        model.decode(mu, temperature=0.0)
    with pytest.raises(ValueError, match=r"controls must be \[32, 49\]"):
        model.encode(window, controls=controls[:16])
