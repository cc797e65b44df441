from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from note_seq import midi_io

from serenade.models.checkpoint import load_model, save_model
from serenade.models.configs import get_config
from serenade.models.groove import GrooveVAE, step_losses
from serenade.models.vae import MusicVAE, build_model
from serenade.registry import config_entry, magenta_configs

CASES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "magenta" / "groove" / "cases"


def _windows(config_name: str):
    """Every window of the groove fixture performances, as the config's converter gives them."""
    converter = get_config(config_name).converter
    inputs, outputs, controls = [], [], []
    for path in sorted(CASES.glob("*.mid")):
        tensors = converter.to_tensors(midi_io.midi_file_to_note_sequence(str(path)))
        inputs.extend(tensors.inputs)
        outputs.extend(tensors.outputs)
        controls.extend(tensors.controls.astype(np.float32))
    return np.stack(inputs), np.stack(outputs), np.stack(controls)


@pytest.fixture(scope="module")
def tiny():
    tf.keras.utils.set_random_seed(3)
    model = build_model(get_config("groovae_2bar_tiny"))
    model.build()
    return model


def test_magentas_groovae_configs_and_hparams():
    assert magenta_configs("groove") == (
        "groovae_4bar", "groovae_2bar_humanize", "groovae_2bar_tap_fixed_velocity",
        "groovae_2bar_tap_fixed_velocity_note_dropout", "groovae_2bar_add_closed_hh",
        "groovae_2bar_hits_control_tfds")
    for name in magenta_configs("groove"):
        config = get_config(name)
        hp = config.hparams
        assert config.groove and config_entry(name).converter == name
        assert (hp.batch_size, hp.z_size, hp.enc_rnn_size, hp.dec_rnn_size) == (
            512, 256, [512], [256, 256])
        assert (hp.max_beta, hp.free_bits, hp.dropout_keep_prob, hp.beta_rate) == (
            0.2, 48.0, 0.3, 0.0)
        assert (hp.sampling_schedule, hp.sampling_rate) == ("constant", 0.0)
        assert hp.max_seq_len == (64 if name == "groovae_4bar" else 32)
        assert config.output_depth == 27 and not config.takes_chords
    assert get_config("groovae_2bar_hits_control_tfds").control_depth == 9
    assert get_config("groovae_2bar_humanize").control_depth == 0


def test_groove_configs_build_groove_models_only():
    config = get_config("groovae_2bar_tiny")
    assert isinstance(build_model(config), GrooveVAE)
    with pytest.raises(ValueError, match="GrooVAE config"):
        MusicVAE(config)
    with pytest.raises(ValueError, match="not classes"):
        config.part_depths
    with pytest.raises(ValueError, match="not a GrooVAE config"):
        GrooveVAE(get_config("cat-drums_2bar_tiny"))


@pytest.mark.parametrize("hparams", ["sampling_schedule=inverse_sigmoid,sampling_rate=1000",
                                     "sampling_rate=0.5"])
def test_scheduled_sampling_is_refused_by_name_not_ignored(hparams):
    with pytest.raises(ValueError, match="groovae_2bar_tiny: GrooVAE models train with teacher"):
        get_config("groovae_2bar_tiny", hparams)
    assert get_config("cat-drums_2bar_tiny", hparams).hparams.sampling_rate > 0


def test_magenta_variable_names_and_shapes(tiny):
    shapes = {name: tuple(v.shape) for name, v in tiny.magenta_variables().items()}
    cell = "encoder/cell_0/bidirectional_rnn/{}/multi_rnn_cell/cell_0/lstm_cell/kernel"
    assert shapes[cell.format("fw")] == shapes[cell.format("bw")] == (27 + 32, 128)
    assert shapes["encoder/mu/kernel"] == shapes["encoder/sigma/kernel"] == (64, 8)
    assert shapes["decoder/z_to_initial_state/kernel"] == (8, 2 * (32 + 32))
    assert shapes["decoder/multi_rnn_cell/cell_0/lstm_cell/kernel"] == (27 + 8 + 32, 128)
    assert shapes["decoder/multi_rnn_cell/cell_1/lstm_cell/kernel"] == (32 + 32, 128)
    assert shapes["decoder/output_projection/kernel"] == (32, 27)
    assert len(shapes) == 16


def test_shapes_and_loss_on_real_groove_windows(tiny):
    inputs, outputs, _ = _windows("groovae_2bar_tiny")
    assert inputs.shape[1:] == (32, 27) and len(inputs) >= 8
    result = tiny(inputs, outputs)
    assert result["outputs"].shape == outputs.shape
    assert result["mu"].shape == result["sigma"].shape == (len(inputs), 8)
    losses = tiny.losses_of(inputs, outputs, step=10, z=tiny.posterior(inputs)[0])
    raw = losses["outputs"].numpy().astype(np.float64)
    # magenta's formula, in numpy
    hits = 1 / (1 + np.exp(-raw[..., :9]))
    velocities = 1 / (1 + np.exp(-raw[..., 9:18]))
    offsets = np.tanh(raw[..., 18:])
    target = outputs.astype(np.float64)
    hits_loss = -(target[..., :9] * np.log(hits + 1e-7)
                  + (1 - target[..., :9]) * np.log(1 - hits + 1e-7)).sum(-1)
    expected = (hits_loss + ((velocities - target[..., 9:18]) ** 2).sum(-1)
                + ((offsets - target[..., 18:]) ** 2).sum(-1)).sum(-1)
    np.testing.assert_allclose(losses["r_loss"].numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(
        (losses["hits"] + losses["velocities"] + losses["offsets"]).numpy(), expected, rtol=1e-5)
    # velocities and offsets are not masked by the hits: a silent step still pays for them
    assert float(tf.reduce_min(losses["velocities"])) > 0.0
    hp = tiny.config.hparams
    kl_cost = np.maximum(losses["kl"].numpy() - hp.free_bits * np.log(2.0), 0)
    beta = (1 - hp.beta_rate ** 10) * hp.max_beta
    np.testing.assert_allclose(float(losses["loss"]),
                               expected.mean() + beta * kl_cost.mean(), rtol=1e-5)


def test_step_losses_of_a_perfect_prediction():
    targets = np.zeros((1, 2, 27), np.float32)
    targets[0, 0, [0, 9, 18]] = [1.0, 0.5, 0.25]
    raw = np.full_like(targets, -40.0)
    raw[..., 18:] = 0.0
    raw[0, 0, [0, 9, 18]] = [40.0, 0.0, np.arctanh(0.25)]
    losses = step_losses(targets, raw)
    np.testing.assert_allclose(losses["velocities"].numpy(), [[0.0, 0.0]], atol=1e-6)
    np.testing.assert_allclose(losses["offsets"].numpy(), [[0.0, 0.0]], atol=1e-6)
    assert float(tf.reduce_max(losses["hits"])) < 1e-5
    # a velocity where no hit is still pays its squared error (magenta masks nothing)
    raw[0, 1, 10] = 0.0
    np.testing.assert_allclose(step_losses(targets, raw)["velocities"].numpy(), [[0.0, 0.25]],
                               atol=1e-6)


def test_training_gradients_reach_every_weight(tiny):
    inputs, outputs, _ = _windows("groovae_2bar_tiny")
    with tf.GradientTape() as tape:
        loss = tiny.losses_of(inputs[:4], outputs[:4], step=1, training=True)["loss"]
    grads = tape.gradient(loss, tiny.trainable_variables)
    assert len(grads) == 16 and all(g is not None and np.all(np.isfinite(g)) for g in grads)


def test_decode_values_temperature_and_seeds(tiny):
    z = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    samples, raw = tiny.decode(z, temperature=0)
    assert samples.shape == raw.shape == (3, 32, 27)
    hits, velocities, offsets = samples[..., :9], samples[..., 9:18], samples[..., 18:]
    assert set(np.unique(hits)) <= {0.0, 1.0}
    np.testing.assert_array_equal(hits, (raw[..., :9] > 0).astype(np.float32))
    np.testing.assert_allclose(velocities, 1 / (1 + np.exp(-raw[..., 9:18])), atol=1e-6)
    np.testing.assert_allclose(offsets, np.tanh(raw[..., 18:]), atol=1e-6)
    again, _ = tiny.decode(z, temperature=0, seed=5)
    np.testing.assert_array_equal(again, samples)
    first, _ = tiny.decode(z, temperature=1.0, seed=7)
    second, _ = tiny.decode(z, temperature=1.0, seed=7)
    np.testing.assert_array_equal(first, second)
    drawn, _ = tiny.sample(4, temperature=1.0, seed=1)
    assert drawn.shape == (4, 32, 27)
    with pytest.raises(ValueError, match="z must be"):
        tiny.decode(np.zeros((2, 5), np.float32))
    with pytest.raises(ValueError, match="temperature"):
        tiny.decode(z, temperature=-1)


def test_encode_checks_windows_and_controls(tiny):
    inputs, _, _ = _windows("groovae_2bar_tiny")
    z, mu, sigma = tiny.encode(inputs[:3], seed=0)
    assert z.shape == mu.shape == sigma.shape == (3, 8) and np.all(sigma > 0)
    _, mu_one, _ = tiny.encode(inputs[0])
    np.testing.assert_allclose(mu_one[0], mu[0], atol=1e-6)
    with pytest.raises(ValueError, match=r"\[n, 32, 27\]"):
        tiny.encode(np.zeros((1, 16, 27)))
    with pytest.raises(ValueError, match="takes no controls"):
        tiny.encode(inputs[:1], controls=np.zeros((32, 9)))


def test_hits_as_controls():
    tf.keras.utils.set_random_seed(4)
    model = build_model(get_config("groovae_2bar_hits_control_tiny"))
    inputs, outputs, controls = _windows("groovae_2bar_hits_control_tiny")
    np.testing.assert_array_equal(controls, outputs[..., :9])
    shapes = {n: tuple(v.shape) for n, v in model.magenta_variables().items()}
    assert shapes["decoder/multi_rnn_cell/cell_0/lstm_cell/kernel"] == (27 + 8 + 9 + 32, 128)
    assert shapes["encoder/cell_0/bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/kernel"] \
        == (27 + 9 + 32, 128)
    with pytest.raises(ValueError, match="controls are required"):
        model.encode(inputs[:1])
    _, mu, _ = model.encode(inputs[:2], controls=controls[:2])
    samples, _ = model.decode(mu, temperature=0, controls=controls[0])  # one for every row
    assert samples.shape == (2, 32, 27)
    assert model(inputs[:2], outputs[:2], controls[:2])["outputs"].shape == (2, 32, 27)


def test_serenade_checkpoint_round_trip(tiny, tmp_path):
    save_model(tiny, tmp_path / "model", step=12)
    loaded = load_model(tmp_path / "model")
    assert isinstance(loaded, GrooveVAE) and loaded.global_step == 12
    z = np.ones((1, 8), np.float32)
    for name, value in tiny.numpy_weights().items():
        np.testing.assert_array_equal(loaded.numpy_weights()[name], value)
    np.testing.assert_allclose(loaded.decode(z, 0)[1], tiny.decode(z, 0)[1], atol=1e-6)


def test_the_cli_and_the_workflow_refuse_groove_configs_by_name():
    import argparse

    from serenade.commands.options import config_name
    from serenade.commands.config_match import check_config_matches

    with pytest.raises(argparse.ArgumentTypeError, match="groovae_4bar is a GrooVAE config"):
        config_name("groovae_4bar")
    assert config_name("cat-drums_2bar_small") == "cat-drums_2bar_small"
    # GrooVAE configs have cat-mel_2bar_small's layer sizes but are not a model of its kind
    from serenade.errors import UserError

    with pytest.raises(UserError, match="did you mean --config cat-mel_2bar_small"):
        check_config_matches(get_config("cat-mel_2bar_small"), "cat-mel_2bar_big", "")
