"""GrooVAE checkpoint parity: magenta's own tiny GrooVAE models (tests/fixtures/magenta/
groove_model, made by tools/oracle/make_groove_model_fixture.py) load in both published forms
(checkpoint folder and .tar bundle) and give magenta's numbers: mu and sigma, the decoder's
outputs and greedy hits decoded from mu, the loss of a batch and slerp interpolations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from note_seq import midi_io

from serenade.conversion import converter_for_config
from serenade.models.checkpoint import load_model
from serenade.models.groove import GrooveVAE

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "magenta"
FOLDER = FIXTURES / "groove_model"
CONFIGS = ("groovae_2bar_humanize", "groovae_4bar", "groovae_2bar_hits_control_tfds",
           "groovae_2bar_tap_fixed_velocity", "groovae_2bar_add_closed_hh")
DRUMS = 9


def _fixture(config: str) -> tuple[dict, dict]:
    info = json.loads((FOLDER / config / "fixture.json").read_text())
    with np.load(FOLDER / config / "expected.npz") as expected:
        arrays = {name: expected[name] for name in expected.files}
    return info, arrays


def _cases(arrays: dict) -> list[int]:
    return sorted(int(name[4:].split("_")[0]) for name in arrays if name.endswith("_mu"))


@pytest.fixture(scope="module", params=CONFIGS)
def loaded(request):
    config = request.param
    info, arrays = _fixture(config)
    model = load_model(FOLDER / config / "checkpoint", config)
    return config, info, arrays, model


def _controls(model: GrooveVAE, arrays: dict, key: str):
    return arrays[key] if model.control_depth else None


@pytest.mark.parametrize("config", CONFIGS)
def test_both_checkpoint_forms_load_the_same_weights(config):
    folder = load_model(FOLDER / config / "checkpoint", config)
    bundle = load_model(FOLDER / config / f"{config}.tar", config)
    assert isinstance(folder, GrooveVAE) and isinstance(bundle, GrooveVAE)
    info, _ = _fixture(config)
    assert folder.global_step == info["global_step"] == 300
    # the layer sizes come from the checkpoint (the config's own are magenta's full sizes)
    hp = folder.config.hparams
    assert (hp.z_size, hp.enc_rnn_size, hp.dec_rnn_size) == (8, [32], [32, 32])
    assert set(folder.magenta_variables()) | {"global_step"} == set(info["variables"])
    for name, value in folder.numpy_weights().items():
        np.testing.assert_array_equal(bundle.numpy_weights()[name], value)


def test_the_fixture_windows_are_the_converters(loaded):
    """What magenta fed is what Serenade's converter gives for the same files (infer mode)."""
    config, info, arrays, _ = loaded
    converter = converter_for_config(config)
    for k, case in enumerate(info["cases"]):
        sequence = midi_io.midi_file_to_note_sequence(str(FIXTURES / case["midi"]))
        tensors = converter.to_tensors(sequence, "infer")
        assert len(tensors) == case["num_windows"]
        if len(tensors):
            np.testing.assert_array_equal(tensors.inputs[0], arrays[f"case{k}_inputs"])
            np.testing.assert_array_equal(tensors.outputs[0], arrays[f"case{k}_outputs"])
            np.testing.assert_array_equal(tensors.controls[0], arrays[f"case{k}_controls"])


def test_mu_and_sigma(loaded):
    _, _, arrays, model = loaded
    for k in _cases(arrays):
        _, mu, sigma = model.encode(arrays[f"case{k}_inputs"],
                                    controls=_controls(model, arrays, f"case{k}_controls"))
        np.testing.assert_allclose(mu[0], arrays[f"case{k}_mu"], atol=1e-4, rtol=0)
        np.testing.assert_allclose(sigma[0], arrays[f"case{k}_sigma"], atol=1e-4, rtol=0)
        # the encoder alone (mu's input): a briefly trained model's small mu kernel blurs less
        encoding = model.encoder(model.encoder_input(
            arrays[f"case{k}_inputs"][None], _controls(model, arrays, f"case{k}_controls")[None]
            if model.control_depth else None))
        np.testing.assert_allclose(encoding.numpy()[0], arrays[f"case{k}_encoding"], atol=1e-4,
                                   rtol=0)


def test_decoder_outputs_and_greedy_hits_from_mu(loaded):
    _, _, arrays, model = loaded
    for k in _cases(arrays):
        samples, raw = model.decode(arrays[f"case{k}_mu"][None], temperature=0.0,
                                    controls=_controls(model, arrays, f"case{k}_controls"))
        expected = arrays[f"case{k}_samples"]
        np.testing.assert_array_equal(samples[0, :, :DRUMS], expected[:, :DRUMS])
        np.testing.assert_allclose(samples[0, :, DRUMS:], expected[:, DRUMS:], atol=1e-3, rtol=0)
        np.testing.assert_allclose(raw[0], arrays[f"case{k}_rnn_output"], atol=1e-3, rtol=0)
    assert sum(arrays[f"case{k}_samples"][:, :DRUMS].sum() for k in _cases(arrays)) > 0


def test_loss_of_a_batch(loaded):
    _, info, arrays, model = loaded
    controls = _controls(model, arrays, "loss_controls")
    mu, _ = model.posterior(arrays["loss_inputs"], controls)
    losses = model.losses_of(arrays["loss_inputs"], arrays["loss_outputs"], controls,
                             step=info["global_step"], z=mu)
    np.testing.assert_allclose(losses["outputs"].numpy(), arrays["loss_rnn_output"], atol=1e-3,
                               rtol=0)
    np.testing.assert_allclose(losses["r_loss"].numpy(), arrays["loss_r"], atol=1e-4, rtol=1e-6)
    np.testing.assert_allclose(losses["kl"].numpy(), arrays["loss_kl"], atol=1e-4, rtol=1e-6)
    np.testing.assert_allclose(float(losses["beta"]), float(arrays["loss_beta"]), rtol=1e-6)
    np.testing.assert_allclose(float(losses["loss"]), float(arrays["loss_total"]), atol=1e-4,
                               rtol=1e-6)


def test_interpolations(loaded):
    _, info, arrays, model = loaded
    assert info["interpolations"]
    for a, b in info["interpolations"]:
        z = arrays[f"interp_{a}_{b}_z"]
        samples, _ = model.decode(z, temperature=0.0,
                                  controls=_controls(model, arrays, f"case{a}_controls"))
        expected = arrays[f"interp_{a}_{b}_samples"]
        np.testing.assert_array_equal(samples[..., :DRUMS], expected[..., :DRUMS])
        np.testing.assert_allclose(samples[..., DRUMS:], expected[..., DRUMS:], atol=1e-3, rtol=0)
        # the path itself: slerp between the cases' mu, as magenta's TrainedModel
        path, decoded = model.interpolate(
            arrays[f"case{a}_inputs"], arrays[f"case{b}_inputs"], len(z), temperature=0.0,
            start_controls=_controls(model, arrays, f"case{a}_controls"),
            end_controls=_controls(model, arrays, f"case{b}_controls"),
            controls=_controls(model, arrays, f"case{a}_controls"))
        np.testing.assert_allclose(path, z, atol=1e-4, rtol=0)
        np.testing.assert_array_equal(decoded[..., :DRUMS], expected[..., :DRUMS])


def test_the_training_objective_is_magentas_loss(loaded):
    """`GrooveVAE.objective` (what `serenade train` steps and evaluates) gives magenta's loss of
    the fixture batch (z = mu): r_loss and KL per example, and the total at its beta."""
    from serenade.models import objective

    _, info, arrays, model = loaded
    controls = arrays["loss_controls"].astype(np.float32)
    mu, _ = model.posterior(arrays["loss_inputs"], controls if model.control_depth else None)
    batch = (arrays["loss_inputs"], arrays["loss_outputs"], controls)
    hp = model.config.hparams
    terms = model.objective(batch, free_bits=hp.free_bits, z=mu)
    np.testing.assert_allclose(terms.r_loss.numpy(), arrays["loss_r"], atol=1e-4, rtol=1e-6)
    np.testing.assert_allclose(terms.kl.numpy(), arrays["loss_kl"], atol=1e-4, rtol=1e-6)
    total = objective.total_loss(np.mean(terms.r_loss), np.mean(terms.kl_cost),
                                 float(arrays["loss_beta"]))
    np.testing.assert_allclose(total, float(arrays["loss_total"]), atol=1e-4, rtol=1e-6)
    # magenta's hits/velocities/offsets metrics are means per step: over the steps they add
    # up to r_loss
    steps = arrays["loss_outputs"].shape[1]
    summed = sum(terms.parts[f"{k}_loss"] for k in ("hits", "velocities", "offsets")) * steps
    np.testing.assert_allclose(summed.numpy(), arrays["loss_r"], atol=1e-3, rtol=1e-6)
    assert terms.predictions.numpy() == arrays["loss_outputs"][..., :DRUMS].size
