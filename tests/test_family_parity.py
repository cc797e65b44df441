"""Drum and trio checkpoints made by magenta's own code load and give magenta's numbers.

Fixtures: tests/fixtures/magenta/<config>-tiny (see the README there): encoder mu and sigma,
greedy decodes (with their logits) and interpolations recorded with magenta's TrainedModel on
its checkpoint, and for the drums teacher-forced logits. The drum encoder reads magenta's
`roll_input` (9 drum bits and a "nothing hit" bit); the trio's windows have three parts
(melody, bass, drums) decoded by three core decoders under one conductor.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import tensorflow as tf

from serenade.conversion import converter_for_config
from serenade.models.checkpoint import load_model
from serenade.models.latent_paths import walk

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, npz_arrays

FIXTURES = {"cat-drums_2bar_small": "cat-drums_2bar_small-tiny",
            "hierdec-trio_16bar": "hierdec-trio_16bar-tiny",
            "flat-trio_16bar": "flat-trio_16bar-tiny"}


@pytest.fixture(scope="module", params=sorted(FIXTURES))
def config(request):
    return request.param


@pytest.fixture(scope="module")
def folder(config):
    return PROJECT_MAGENTA_FIXTURES / FIXTURES[config]


@pytest.fixture(scope="module")
def expected(folder):
    return npz_arrays(folder / "expected.npz")


@pytest.fixture(scope="module")
def model(folder, config):
    return load_model(folder / "checkpoint", config)


def _cases(expected):
    return sorted(int(match[1]) for k in expected if (match := re.fullmatch(r"case(\d+)_mu", k)))


def test_bundle_forms_load_the_same_weights(model, folder, config):
    prefix = next((folder / "checkpoint").glob("model.ckpt-*.index")).with_suffix("")
    for other in (load_model(prefix, config), load_model(folder / f"{config}.tar", config)):
        got = other.numpy_weights()
        assert all(np.array_equal(got[k], v) for k, v in model.numpy_weights().items())
    assert model.output_depth == sum(converter_for_config(config).part_depths)


def test_drum_encoder_reads_magentas_roll_input():
    with np.load(PROJECT_MAGENTA_FIXTURES / FIXTURES["cat-drums_2bar_small"] / "expected.npz") as f:
        expected = {name: f[name] for name in f.files}
    converter = converter_for_config("cat-drums_2bar_small")
    for case in _cases(expected):
        window = expected[f"case{case}_windows"][0].astype(np.int64)
        np.testing.assert_array_equal(converter.encoder_inputs.vectors(window),
                                      expected[f"case{case}_input0"])


def test_mu_sigma_logits_and_greedy_decodes_match_magenta(model, expected):
    cases = _cases(expected)
    assert len(cases) >= 5
    for case in cases:
        window = expected[f"case{case}_windows"][:1].astype(np.int32)
        _, mu, sigma = model.encode(window)
        np.testing.assert_allclose(mu[0], expected[f"case{case}_mu"], atol=1e-4)
        np.testing.assert_allclose(sigma[0], expected[f"case{case}_sigma"], atol=1e-4)
        if f"case{case}_tf_rnn_output" in expected:
            logits = model.decoder.logits(tf.constant(mu), tf.constant(window)).numpy()[0]
            np.testing.assert_allclose(logits, expected[f"case{case}_tf_rnn_output"], atol=1e-3)
        greedy, greedy_logits = model.decode(mu, temperature=0.0)
        np.testing.assert_array_equal(greedy[0], expected[f"case{case}_greedy_from_mu"])
        if f"case{case}_greedy_logits" in expected:
            want = expected[f"case{case}_greedy_logits"]  # the trio's: its first two bars
            np.testing.assert_allclose(greedy_logits[0, :len(want)], want, atol=1e-3)


def test_interpolations_match_magenta(model, expected):
    pairs = [k[len("interp_"):-len("_z")] for k in expected if k.startswith("interp_") and k.endswith("_z")]
    assert pairs
    for pair in pairs:
        z = expected[f"interp_{pair}_z"]
        a, b = (int(i) for i in pair.split("_"))
        first = expected[f"case{a}_windows"][:1].astype(np.int32)
        last = expected[f"case{b}_windows"][:1].astype(np.int32)
        path = walk(model, [first, last], len(z), temperature=0.0)
        np.testing.assert_allclose(path.z, z, atol=1e-4)
        np.testing.assert_array_equal(path.events, expected[f"interp_{pair}_greedy"])


NADE_FIXTURE = PROJECT_MAGENTA_FIXTURES / "nade-drums_2bar_reduced-tiny"


@pytest.fixture(scope="module")
def nade():
    return (load_model(NADE_FIXTURE / "checkpoint", "nade-drums_2bar_reduced"),
            npz_arrays(NADE_FIXTURE / "expected.npz"))


def _masks(rolls):
    """magenta's rolls [.., 9] -> the drum converter's class indices (bit k = drum class k)."""
    return (np.asarray(rolls, np.int64) << np.arange(rolls.shape[-1])).sum(-1)


def assert_nade_case_matches(model, expected, case: int, window, cond_atol: float = 1e-4):
    """One case of a NADE fixture: mu and sigma, the teacher-forced NADE biases (decoder outputs),
    per-step log-probs, their sum (the reconstruction loss) and the conditionals; returns mu."""
    _, mu, sigma = model.encode(window)
    np.testing.assert_allclose(mu[0], expected[f"case{case}_mu"], atol=1e-4)
    np.testing.assert_allclose(sigma[0], expected[f"case{case}_sigma"], atol=1e-4)
    outputs = model.decoder.logits(tf.constant(mu), tf.constant(window))
    np.testing.assert_allclose(outputs.numpy()[0], expected[f"case{case}_tf_rnn_output"],
                               atol=1e-3)
    log_p = -model.head.cross_entropy(tf.constant(window), outputs).numpy()[0]
    np.testing.assert_allclose(log_p, expected[f"case{case}_tf_nade_log_probs"], atol=1e-3)
    np.testing.assert_allclose(np.sum(-log_p), expected[f"case{case}_tf_r_loss"], rtol=1e-4)
    np.testing.assert_allclose(
        model.head.conditional_probabilities(tf.constant(window), outputs).numpy()[0],
        expected[f"case{case}_tf_nade_cond_probs"], atol=cond_atol)
    return mu


def test_nade_drums_match_magenta(nade):
    """The NADE decoder: teacher-forced biases, per-step log-probs and conditionals, the
    greedy decode (bits at p >= 0.5) and interpolations, as magenta's own checkpoint gives."""
    model, expected = nade
    for case in _cases(expected):
        window = _masks(expected[f"case{case}_windows"][:1]).astype(np.int32)
        mu = assert_nade_case_matches(model, expected, case, window)
        greedy, greedy_outputs = model.decode(mu, temperature=0.0)
        np.testing.assert_array_equal(greedy[0], _masks(expected[f"case{case}_greedy_from_mu"]))
        np.testing.assert_allclose(greedy_outputs[0], expected[f"case{case}_greedy_rnn_output"],
                                   atol=1e-3)
    for key in (k for k in expected if k.startswith("interp_") and k.endswith("_z")):
        events, _ = model.decode(expected[key], temperature=0.0)
        np.testing.assert_array_equal(events, _masks(expected[key[:-2] + "_greedy"]))
