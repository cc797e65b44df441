"""hier-multiperf_vel_1bar_* checkpoints made by magenta's own code load and give magenta's
numbers.

Fixtures: tests/fixtures/magenta/multiperf_model/<config>-tiny (see fixture.json there and
tools/oracle/make_multiperf_model_fixture.py): magenta's `hier-multiperf_vel_1bar_med` and
`_med_chords` with small sizes, trained briefly by magenta's code on the multiperf converter
fixture's MIDI (tests/fixtures/magenta/multiperf/cases), then recorded with magenta's
TrainedModel: every window of each MIDI file (8 tracks of 64 rows, padding rows -1) with its
per-track lengths (and chords), mu and sigma of the first windows, the greedy decode of window
0's mu (window 0's chords as `c_input`) with its logits at some rows (the first 32 steps of
track 0 and the first 4 of every track), magenta's teacher-forced decoder (logits and
reconstruction loss given mu), slerp interpolations between consecutive files' window 0 and
decodes of distant z, decoded greedily.

The windows are padded per track: the encoder reads each track up to its length, the core
decoder decodes every track's 64 rows from the conductor's embedding alone.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from serenade.models.checkpoint import infer_architecture, load_model, read_checkpoint
from serenade.models.latent_paths import walk

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, npz_arrays

ROOT = PROJECT_MAGENTA_FIXTURES / "multiperf_model"
FIXTURES = {"hier-multiperf_vel_1bar_med": "hier-multiperf_vel_1bar_med-tiny",
            "hier-multiperf_vel_1bar_med_chords": "hier-multiperf_vel_1bar_med_chords-tiny"}


@pytest.fixture(scope="module", params=sorted(FIXTURES))
def config(request):
    return request.param


@pytest.fixture(scope="module")
def folder(config):
    return ROOT / FIXTURES[config]


@pytest.fixture(scope="module")
def record(folder):
    return json.loads((folder / "fixture.json").read_text())


@pytest.fixture(scope="module")
def expected(folder):
    return npz_arrays(folder / "expected.npz")


@pytest.fixture(scope="module")
def model(folder, config):
    return load_model(folder / "checkpoint", config)


def _cases(expected) -> list[int]:
    return sorted(int(m[1]) for k in expected if (m := re.fullmatch(r"case(\d+)_mu", k)))


def _controls(model, expected, case: int, rows=slice(None)):
    """The chord controls of a case's windows [n, 512, 49] (None for the plain config)."""
    if not model.control_depth:
        return None
    return model.config.converter.controls(expected[f"case{case}_controls"][rows])


def test_folder_prefix_and_tar_load_the_same_weights(model, folder, config, record):
    prefix = next((folder / "checkpoint").glob("model.ckpt-*.index")).with_suffix("")
    for other in (load_model(prefix, config), load_model(folder / f"{config}.tar", config)):
        got = other.numpy_weights()
        assert all(np.array_equal(got[k], v) for k, v in model.numpy_weights().items())
    assert set(model.magenta_variables()) == set(record["variables"]) - {"global_step"}
    assert model.config.encoder_level_lengths == (64, 8)
    assert model.config.hierarchical.level_lengths == (8, 64)
    assert model.config.hierarchical.disable_autoregression
    assert model.control_depth == record["control_depth"]
    arch = infer_architecture(read_checkpoint(folder / "checkpoint")[0])
    assert arch["hierarchical_encoder"] and arch["hierarchical"]
    assert (arch["enc_rnn_size"], arch["dec_rnn_size"], arch["z_size"]) == ([12], [12] * 3, 8)


def test_windows_and_lengths_are_the_converters(model, expected, folder, record):
    """The recorded windows are what Serenade's converter makes of the same MIDI (so the checks
    below feed the model what magenta fed it), and the lengths count each track's rows."""
    import note_seq

    from serenade.conversion import controls as ctl

    converter = model.config.converter
    cases_dir = PROJECT_MAGENTA_FIXTURES / "multiperf" / "cases"
    for case in _cases(expected):
        ns = note_seq.midi_file_to_note_sequence(str(cases_dir / record["cases"][case]["midi"]))
        windows, chords = ctl.split(converter.to_windows(ns))
        np.testing.assert_array_equal(windows, expected[f"case{case}_windows"])
        np.testing.assert_array_equal(converter.lengths(windows), expected[f"case{case}_lengths"])
        if model.control_depth:
            np.testing.assert_array_equal(chords, expected[f"case{case}_controls"])


def test_mu_sigma_logits_and_greedy_decodes_match_magenta(model, expected, record):
    cases = _cases(expected)
    assert len(cases) >= 4
    logit_rows = np.asarray(record["logit_rows"])
    checked_logits = 0
    for case in cases:
        mu_want = expected[f"case{case}_mu"]
        n = len(mu_want)
        windows = expected[f"case{case}_windows"][:n].astype(np.int32)
        controls = _controls(model, expected, case, slice(0, n))
        _, mu, sigma = model.encode(windows, controls=controls)
        np.testing.assert_allclose(mu, mu_want, atol=1e-4)
        np.testing.assert_allclose(sigma, expected[f"case{case}_sigma"], atol=1e-4)
        greedy, logits = model.decode(mu[:1], temperature=0.0,
                                      controls=None if controls is None else controls[0])
        np.testing.assert_array_equal(greedy[0], expected[f"case{case}_greedy_from_mu"])
        if f"case{case}_greedy_logits" in expected:
            np.testing.assert_allclose(logits[0, logit_rows], expected[f"case{case}_greedy_logits"],
                                       atol=1e-3)
            checked_logits += 1
    assert checked_logits == record["logit_cases"]


def test_teacher_forced_logits_and_loss_match_magenta(model, expected):
    """magenta's decoder given mu and the true rows (each step fed the row before it, also
    across track boundaries: the last row of the track before, zeros where it is padding): the
    logits of window 0 at the first rows of every track, and the reconstruction loss of each
    encoded window summed over each track's length (padding rows cost nothing)."""
    import tensorflow as tf

    from serenade.models.objective import reconstruction_loss

    checked = 0
    for case in _cases(expected):
        mu = expected[f"case{case}_mu"]
        windows = expected[f"case{case}_windows"][:len(mu)].astype(np.int32)
        controls = _controls(model, expected, case, slice(0, len(mu)))
        extra = {} if controls is None else {"controls": tf.constant(controls, tf.float32)}
        logits = model.decoder.logits(tf.constant(mu), tf.constant(windows), **extra)
        loss = reconstruction_loss(tf.constant(windows), logits, model.head).numpy()
        np.testing.assert_allclose(loss, expected[f"case{case}_tf_r_loss"], rtol=1e-5, atol=1e-3)
        if f"case{case}_tf_logits" in expected:
            rows = expected[f"case{case}_tf_rows"]
            np.testing.assert_allclose(logits.numpy()[0, rows], expected[f"case{case}_tf_logits"],
                                       atol=1e-3)
            checked += 1
    assert checked == 1


def test_decodes_of_distant_z_match_magenta(model, expected, record):
    """Greedy decodes of z drawn far from the posterior (N(0, 3^2)): the briefly trained
    model's decodes of the windows' mu look alike, these less so."""
    case = record["random_controls_case"]
    controls = None if not model.control_depth else _controls(model, expected, case, 0)
    greedy, _ = model.decode(expected["random_z"], temperature=0.0, controls=controls)
    np.testing.assert_array_equal(greedy, expected["random_greedy"])


def test_interpolations_match_magenta(model, expected):
    pairs = [k[len("interp_"):-len("_z")] for k in expected
             if k.startswith("interp_") and k.endswith("_z")]
    assert pairs
    for pair in pairs:
        z = expected[f"interp_{pair}_z"]
        a, b = (int(i) for i in pair.split("_"))
        windows = [expected[f"case{k}_windows"][:1].astype(np.int32) for k in (a, b)]
        chords = decode_chords = None
        if model.control_depth:
            chords = np.stack([expected[f"case{k}_controls"][0] for k in (a, b)])
            decode_chords = chords[0]  # magenta decodes every point over case a's chords
        path = walk(model, windows, len(z), temperature=0.0, chords=chords,
                    decode_chords=decode_chords)
        np.testing.assert_allclose(path.z, z, atol=1e-4)
        np.testing.assert_array_equal(path.events, expected[f"interp_{pair}_greedy"])


def test_each_track_is_encoded_up_to_its_length(model, expected):
    """magenta's level 0 reads each track up to its length: a padded track encodes as its rows
    alone would, and a full-length read of the same rows (padding as zero rows) differs."""
    import tensorflow as tf

    case = _cases(expected)[0]
    window = expected[f"case{case}_windows"][0].astype(np.int32)
    controls = _controls(model, expected, case, slice(0, 1))
    level = model.encoder.levels[0]
    tracks = window.reshape(8, 64)
    lengths = (tracks >= 0).sum(1)
    assert lengths.min() < 64
    extra = {} if controls is None else {"controls": tf.constant(controls.reshape(8, 64, -1))}
    padded = level(tf.constant(tracks), lengths=tf.constant(lengths), **extra).numpy()
    full = level(tf.constant(tracks), **extra).numpy()
    for k, length in enumerate(lengths):
        alone_extra = {} if controls is None else {
            "controls": tf.constant(controls.reshape(8, 64, -1)[k:k + 1, :length])}
        alone = level(tf.constant(tracks[k:k + 1, :length]), **alone_extra).numpy()[0]
        np.testing.assert_allclose(padded[k], alone, atol=1e-6)
    short = lengths < 64
    assert np.abs(full[short] - padded[short]).max() > 1e-4
