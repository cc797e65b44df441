"""Real train steps on the tiny config: learning, clipping to zero, resume, two devices."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from serenade.models.configs import get_config
from serenade.training import devices, schedules
from serenade.training.trainer import Trainer

# Teacher forcing and (below) a near-zero sigma make a step deterministic, so two trainers can
# be compared number for number.
DETERMINISTIC = "sampling_schedule=constant,sampling_rate=0.0,learning_rate=0.01"


def _batch(seed=0, size=8):
    rng = np.random.default_rng(seed)
    windows = rng.integers(2, 90, size=(size, 32)).astype(np.int32)
    windows[:, 1::2] = 0  # holds, like real melodies
    return windows


def _deterministic_trainer(placement=None):
    trainer = Trainer(get_config("cat-mel_2bar_tiny", DETERMINISTIC), placement)
    weights = trainer.model_weights()
    weights["encoder/sigma/bias"] = np.full_like(weights["encoder/sigma/bias"], -40.0)
    trainer.set_model_weights(weights)
    return trainer


def test_training_reduces_loss_and_reports_schedules():
    trainer = Trainer(get_config("cat-mel_2bar_tiny", "learning_rate=0.01"))
    batch = _batch()
    first = trainer.train_step(batch)
    for _ in range(25):
        last = trainer.train_step(batch)
    assert trainer.step == 26
    assert last["loss"] < 0.7 * first["loss"]
    assert first["beta"] == 0.0 and first["learning_rate"] == pytest.approx(0.01)
    hp = trainer.hparams
    assert last["beta"] == pytest.approx(float(schedules.kl_beta(25, hp.max_beta, hp.beta_rate)))
    assert last["sampling_probability"] == pytest.approx(
        float(schedules.sampling_probability(25, "inverse_sigmoid", 1000.0)))
    assert last["loss"] == pytest.approx(last["r_loss"] + last["beta"] * last["kl_cost"], rel=1e-5)
    assert 0.0 <= last["accuracy"] <= 1.0 and last["global_norm"] > 0


def test_gradient_norm_above_cutoff_skips_the_update():
    trainer = Trainer(get_config("cat-mel_2bar_tiny", DETERMINISTIC + ",grad_norm_clip_to_zero=0"))
    before = trainer.model_weights()
    metrics = trainer.train_step(_batch())
    after = trainer.model_weights()
    assert metrics["global_norm"] > 0
    assert trainer.step == 1  # the step counts, as magenta's global step does
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_checkpoint_state_resumes_identically():
    original = _deterministic_trainer()
    for seed in range(3):
        original.train_step(_batch(seed))
    resumed = _deterministic_trainer()
    resumed.set_model_weights(original.model_weights())
    resumed.set_optimizer_weights(original.optimizer_weights())
    assert resumed.step == 3
    a = original.train_step(_batch(7))
    b = resumed.train_step(_batch(7))
    assert a["loss"] == pytest.approx(b["loss"], rel=1e-6)
    wa, wb = original.model_weights(), resumed.model_weights()
    for name in wa:
        np.testing.assert_allclose(wa[name], wb[name], rtol=1e-6, atol=1e-7, err_msg=name)
    # without the optimizer state the same step lands elsewhere (Adam's moments matter)
    fresh = _deterministic_trainer()
    fresh.set_model_weights(original.model_weights())
    fresh.train_step(_batch(8))
    original.train_step(_batch(8))
    assert not np.allclose(fresh.model_weights()["decoder/output_projection/kernel"],
                           original.model_weights()["decoder/output_projection/kernel"])


def test_bad_weights_are_refused_with_the_variable_name():
    trainer = Trainer(get_config("cat-mel_2bar_tiny"))
    weights = trainer.model_weights()
    weights["encoder/mu/kernel"] = np.zeros((3, 3), np.float32)
    with pytest.raises(ValueError, match="encoder/mu/kernel"):
        trainer.set_model_weights(weights)
    with pytest.raises(ValueError, match="optimizer state"):
        trainer.set_optimizer_weights([])


_TWO_DEVICES = textwrap.dedent("""
    import numpy as np
    from serenade.training import devices
    devices.split_cpu(2)
    from serenade.training import trainer_test as t

    placement = devices.select(devices=["/cpu:0", "/cpu:1"], precision="float32")
    assert placement.replicas == 2, placement
    assert "MirroredStrategy" in placement.description
    single = t._deterministic_trainer()
    double = t._deterministic_trainer(placement)
    double.set_model_weights(single.model_weights())
    import tensorflow as tf
    for seed in range(3):
        batch = t._batch(seed, size=8)
        a = single.train_step(batch)
        dataset = tf.data.Dataset.from_tensors(batch)
        b = double.train_step(next(iter(double.distribute(dataset))))
        for key in ("loss", "r_loss", "kl_bits", "global_norm", "accuracy", "beta"):
            assert abs(a[key] - b[key]) <= 1e-4 * max(1.0, abs(a[key])), (key, a[key], b[key])
    assert double.step == 3
    wa, wb = single.model_weights(), double.model_weights()
    for name in wa:
        np.testing.assert_allclose(wa[name], wb[name], rtol=1e-4, atol=1e-5, err_msg=name)
    print("OK two devices", placement.description)

    # Loss scaling's variables under MirroredStrategy (float16, as on a Volta/Turing GPU).
    placement = devices.select(devices=["/cpu:0", "/cpu:1"], precision="mixed_float16")
    scaled = t._deterministic_trainer(placement)
    scaled.loss_scale.scale.assign(2.0 ** 100)
    dataset = tf.data.Dataset.from_tensors(t._batch(0, size=8))
    first = scaled.train_step(next(iter(scaled.distribute(dataset))))
    assert first["loss_scale"] == 2.0 ** 99, first
    for _ in range(3):
        last = scaled.train_step(next(iter(scaled.distribute(dataset))))
    assert np.isfinite(last["loss"]) and scaled.step == 4, last
    print("OK loss scaling on two devices")
""")


@pytest.mark.slow
def test_two_logical_cpu_devices_match_one_device():
    result = subprocess.run([sys.executable, "-c", _TWO_DEVICES], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "OK two devices" in result.stdout
    assert "OK loss scaling on two devices" in result.stdout


@contextlib.contextmanager
def _policy(name):
    import keras

    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("fixture, config", [("cat-mel_2bar_small", "cat-mel_2bar_small"),
                                             ("hierdec-mel_16bar-tiny", "hierdec-mel_16bar")])
def test_mixed_bfloat16_forward_pass_matches_float32(fixture, config):
    # magenta's trained fixture weights on their real windows, in both policies: bfloat16
    # products, float32 gates, cell state, posterior and logits.
    from testing.fixtures import fixture_model, magenta_fixture

    info = magenta_fixture(fixture)
    hparams = f"{info['hparam_arch']},{DETERMINISTIC}".strip(",")
    weights = fixture_model(fixture).numpy_weights()
    expected_npz = np.load(info["folder"] / "expected.npz")
    windows = np.concatenate([expected_npz[k][:8] for k in expected_npz.files
                              if k.endswith("_windows")]).astype(np.int32)
    weights["encoder/sigma/bias"] = np.full_like(weights["encoder/sigma/bias"], -40.0)  # z = mu
    outputs = {}
    for policy in ("float32", "mixed_bfloat16"):
        with _policy(policy):
            trainer = Trainer(get_config(config, hparams))
            trainer.set_model_weights(weights)
            assert all(v.dtype == "float32" for v in trainer.model.trainable_variables)
            assert trainer.model.encoder.compute_dtype == policy.replace("mixed_", "")
            outputs[policy] = {k: np.asarray(v) for k, v in
                               trainer.model(windows, training=False).items()}
    mixed, reference = outputs["mixed_bfloat16"], outputs["float32"]
    assert all(mixed[key].dtype == np.float32 for key in ("mu", "sigma", "logits"))
    scale = np.abs(reference["mu"]).max()
    assert np.abs(mixed["mu"] - reference["mu"]).max() < 0.05 * scale
    agree = (mixed["logits"].argmax(-1) == reference["logits"].argmax(-1)).mean()
    assert agree > 0.97, agree
    probabilities = [tf.nn.softmax(outputs[p]["logits"]).numpy() for p in outputs]
    assert np.abs(probabilities[0] - probabilities[1]).max() < 0.1


def test_mixed_bfloat16_trains_and_keeps_float32_weights():
    import keras

    placement = devices.select(precision="mixed_bfloat16")
    trainer = Trainer(get_config("cat-mel_2bar_tiny", DETERMINISTIC), placement)
    # the model computes in the placement's policy; the process's global policy is untouched
    assert keras.mixed_precision.global_policy().name == "float32"
    assert trainer.model.encoder.compute_dtype == "bfloat16"
    assert trainer.loss_scale is None  # bfloat16 has float32's exponent range
    first = trainer.train_step(_batch())
    for _ in range(8):
        last = trainer.train_step(_batch())
    assert np.isfinite(last["loss"]) and last["loss"] < 0.9 * first["loss"]
    assert Trainer(get_config("cat-mel_2bar_tiny")).model.encoder.compute_dtype == "float32"
    weights = trainer.model_weights()
    assert all(w.dtype == np.float32 for w in weights.values())
    assert set(weights) == set(Trainer(get_config("cat-mel_2bar_tiny")).model_weights())


def test_mixed_float16_scales_the_loss_and_skips_overflowing_steps():
    with _policy("mixed_float16"):
        trainer = Trainer(get_config("cat-mel_2bar_tiny", DETERMINISTIC))
        assert trainer.model.encoder.compute_dtype == "float16"
        before = trainer.model_weights()
        trainer.loss_scale.scale.assign(2.0 ** 100)  # float16 gradients overflow at this scale
        overflowed = trainer.train_step(_batch())
        assert not np.isfinite(overflowed["global_norm"])
        assert overflowed["loss_scale"] == 2.0 ** 99  # halved
        after = trainer.model_weights()  # applied as zeros: Adam moves nothing from zero moments
        assert all(np.array_equal(before[k], after[k]) for k in before)
        trainer.loss_scale.scale.assign(2.0 ** 8)
        first = trainer.train_step(_batch())
        for _ in range(8):
            last = trainer.train_step(_batch())
    assert np.isfinite(first["global_norm"]) and last["loss_scale"] == 2.0 ** 8
    assert np.isfinite(last["loss"]) and last["loss"] < 0.9 * first["loss"]


def test_loss_scale_doubles_after_its_growth_interval():
    from serenade.training.optimization import DynamicLossScale

    scale = DynamicLossScale(initial=4.0, growth_interval=3)
    history = []
    for finite in (True, True, True, False, True):
        scale.update(tf.constant(finite))
        history.append(float(scale.scale.numpy()))
    assert history == [4.0, 4.0, 8.0, 4.0, 4.0]
    assert scale.unscaled([tf.constant([8.0]), None])[1] is None


def test_decoding_after_a_step_uses_the_updated_weights():
    trainer = Trainer(get_config("cat-mel_2bar_tiny", "learning_rate=0.05"))
    model = trainer.model
    z = np.random.default_rng(7).normal(size=(8, model.z_size)).astype(np.float32)
    _, before = model.decode(z, temperature=0.0)
    trainer.train_step(_batch())
    _, after = model.decode(z, temperature=0.0)
    fresh = Trainer(get_config("cat-mel_2bar_tiny"))
    fresh.set_model_weights(trainer.model_weights())
    np.testing.assert_allclose(after, fresh.model.decode(z, temperature=0.0)[1], atol=1e-6)
    assert np.abs(after - before).max() > 1e-4


@pytest.mark.slow
def test_a_hierarchical_encoder_trio_trains():
    """hier-trio_16bar_tiny: both encoder levels learn in the train step (16-bar trio windows)."""
    trainer = Trainer(get_config("hier-trio_16bar_tiny", "learning_rate=0.01"))
    rng = np.random.default_rng(0)
    batch = np.stack([rng.integers(0, d, size=(4, 256)) for d in (90, 90, 512)], -1)
    batch = batch.astype(np.int32)
    before = trainer.model_weights()
    metrics = [trainer.train_step(batch) for _ in range(3)]
    after = trainer.model_weights()
    assert all(np.isfinite(m["loss"]) for m in metrics) and metrics[-1]["loss"] < metrics[0]["loss"]
    for level in ("encoder/hierarchical_level_0/", "encoder/hierarchical_level_1/"):
        changed = [k for k in before
                   if k.startswith(level) and not np.array_equal(before[k], after[k])]
        assert len(changed) == 4, level  # kernel and bias, both directions


def test_a_groovae_model_trains_with_the_same_step():
    """A GrooveVAE through the same Trainer (its own objective): on real drum windows the
    loss falls, and the step reports hit accuracy and magenta's hits/velocities/offsets
    loss metrics."""
    from pathlib import Path

    from note_seq import midi_io

    from serenade.models.groove import GrooveVAE

    config = get_config("groovae_2bar_tiny", "learning_rate=0.01")
    cases = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "magenta" / "groove"
    tensors = [config.converter.to_tensors(midi_io.midi_file_to_note_sequence(str(path)), "train")
               for path in sorted((cases / "cases").glob("*.mid"))[:3]]
    batch = tuple(np.concatenate([getattr(t, name) for t in tensors])[:8].astype(np.float32)
                  for name in ("inputs", "outputs", "controls"))
    trainer = Trainer(config)
    assert isinstance(trainer.model, GrooveVAE)
    first = trainer.train_step(batch)
    for _ in range(25):
        last = trainer.train_step(batch)
    assert last["loss"] < 0.7 * first["loss"]
    assert last["loss"] == pytest.approx(last["r_loss"] + last["beta"] * last["kl_cost"], rel=1e-5)
    assert 0.5 < last["accuracy"] <= 1.0 and last["sampling_probability"] == 0.0
    per_step = sum(last[f"{k}_loss"] for k in ("hits", "velocities", "offsets"))
    assert per_step * 32 == pytest.approx(last["r_loss"], rel=1e-4)
