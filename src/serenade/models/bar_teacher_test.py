"""A 2-bar model teaching a hierarchical one: the transplanted core decodes as the teacher does,
the warm-up trains only the encoder and conductor, and mismatches are refused by name."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from serenade.models import bar_teacher
from serenade.models.configs import get_config
from serenade.models.vae import MusicVAE
from serenade.training.trainer import Trainer, Warmup

STUDENT = ("hierdec-mel_16bar_tiny", "")  # core decoder [32, 32]: embeddings of 32
TEACHER = ("cat-mel_2bar_tiny", "z_size=32")
UNITS = ("hier-mel_16bar_2bar_units_tiny", "")  # 2-bar units, the tiny teacher's sizes


def _model(name: str, hparams: str) -> MusicVAE:
    model = MusicVAE(get_config(name, hparams))
    model.build()
    return model


def _opinionated_teacher() -> MusicVAE:
    """A tiny teacher whose codes differ from window to window and are confident (an untrained
    one gives every window mu ~ 0)."""
    teacher = _model(*TEACHER)
    rng = np.random.default_rng(7)
    teacher.mu_layer.kernel.assign(rng.normal(0, 4.0, teacher.mu_layer.kernel.shape))
    teacher.sigma_layer.bias.assign(np.full(teacher.sigma_layer.bias.shape, -2.0))
    return teacher


def _windows(n: int, steps: int, seed: int = 0) -> np.ndarray:
    """Melody windows: random notes (classes 2..89), held (0) and released (1)."""
    rng = np.random.default_rng(seed)
    return rng.choice(np.arange(90), size=(n, steps), p=None).astype(np.int64)


def test_the_core_decodes_an_embedding_as_the_teacher_decodes_its_scaled_code():
    student, teacher = _model(*STUDENT), _model(*TEACHER)
    student.assign_magenta_weights(bar_teacher.taught_weights(student, teacher))
    bars = tf.constant(_windows(6, 16))
    embeddings = tf.random.uniform([6, 32], -0.9, 0.9, seed=1)
    starts = -tf.ones([6, 1], tf.int64)
    core_logits = student.decoder.cores[0].logits(embeddings, bars[..., None], starts)
    teacher_logits = teacher.decoder.logits(bar_teacher.CODE_SCALE * embeddings, bars)
    np.testing.assert_allclose(core_logits.numpy(), teacher_logits.numpy(), atol=2e-4)
    # the rest of the student is its own
    conductor = [n for n in student.numpy_weights() if "hierarchical_level_0" in n]
    assert conductor


def test_a_teacher_that_does_not_fit_is_refused_with_every_reason():
    student = _model(*STUDENT)
    with pytest.raises(ValueError, match=r"z_size 16 vs the conductor's embedding size 32"):
        bar_teacher.check_teacher(student, _model("cat-mel_2bar_tiny", ""))
    with pytest.raises(ValueError, match=r"decoder layers \[48, 48\]"):
        bar_teacher.check_teacher(student, _model("cat-mel_2bar_tiny",
                                                  "z_size=32,dec_rnn_size=[48,48]"))
    with pytest.raises(ValueError, match="flat categorical decoder"):
        bar_teacher.check_teacher(student, _model(*STUDENT))
    with pytest.raises(ValueError, match="no single core decoder"):
        bar_teacher.check_teacher(_model("flat-mel_16bar_tiny", ""), _model(*TEACHER))


def test_each_bar_is_paired_with_the_next_and_the_last_with_itself():
    windows = tf.constant(np.arange(2 * 64).reshape(2, 64))
    pairs = bar_teacher.teacher_windows(windows, 16, span=2).numpy()
    assert pairs.shape == (8, 32)
    np.testing.assert_array_equal(pairs[0], np.arange(0, 32))
    np.testing.assert_array_equal(pairs[2], np.arange(32, 64))
    np.testing.assert_array_equal(pairs[3], np.r_[np.arange(48, 64), np.arange(48, 64)])
    np.testing.assert_array_equal(pairs[4], np.arange(64, 96))
    units = bar_teacher.teacher_windows(windows, 32, span=1).numpy()
    np.testing.assert_array_equal(units, np.arange(2 * 64).reshape(4, 32))


def test_targets_fit_the_conductor_and_weigh_by_the_teachers_precision():
    teacher = _opinionated_teacher()
    windows = tf.constant(_windows(4, 256))
    targets, precision = bar_teacher.segment_codes(_model(*STUDENT), teacher, windows)
    assert targets.shape == (4, 16, 32) and precision.shape == (4, 16, 32)
    assert np.abs(targets.numpy()).max() <= 0.95 and targets.numpy().std() > 0.05
    mu, sigma = teacher.posterior(bar_teacher.teacher_windows(windows, 16, span=2))
    np.testing.assert_allclose(precision.numpy().reshape(-1, 32),
                               (bar_teacher.CODE_SCALE / sigma.numpy()) ** 2, rtol=1e-5)
    np.testing.assert_allclose(targets.numpy().reshape(-1, 32),
                               np.clip(mu.numpy() / bar_teacher.CODE_SCALE, -0.95, 0.95),
                               rtol=1e-5, atol=1e-6)


def test_the_warmup_teaches_the_conductor_and_leaves_the_core_alone():
    """Real train steps: during the warm-up the code loss falls and the core decoder (the
    teacher's) does not move; after it, the usual objective trains everything. The warm-up's
    large gradients are clipped, never zeroed as magenta zeroes an ELBO step's past
    grad_norm_clip_to_zero (set low here, so a zeroed step would show)."""
    teacher = _opinionated_teacher()
    trainer = Trainer(get_config(STUDENT[0], "learning_rate=0.01,grad_norm_clip_to_zero=100"))
    trainer.model.assign_magenta_weights(bar_teacher.taught_weights(trainer.model, teacher))
    trainer.warmup = Warmup(
        lambda batch, **kw: bar_teacher.code_terms(trainer.model, teacher, batch, **kw), 30)
    core = {n: v.copy() for n, v in trainer.model.numpy_weights().items() if "core_decoder" in n}
    batch = tf.constant(_windows(8, 256, seed=3))
    losses = []
    while trainer.in_warmup():
        metrics = trainer.train_step(batch)
        losses.append(metrics["code_loss"])
        assert metrics["global_norm"] > 100
    assert "accuracy" not in metrics and trainer.step == 30
    assert losses[-1] < 0.9 * losses[0]
    after = trainer.model.numpy_weights()
    for name, value in core.items():
        np.testing.assert_array_equal(after[name], value)
    metrics = trainer.train_step(batch)
    assert "accuracy" in metrics and "code_loss" not in metrics
    moved = trainer.model.numpy_weights()
    assert any(not np.array_equal(moved[name], value) for name, value in core.items())


def test_a_model_of_2_bar_units_is_taught_its_encoder_s_lowest_level_too():
    """hier-mel_16bar_2bar_units: the teacher's encoder becomes the lowest level, so each
    unit's encoding is the teacher's; each unit's target is the teacher's code of that unit;
    the warm-up leaves that level as it is."""
    teacher = _opinionated_teacher()
    trainer = Trainer(get_config(UNITS[0], "learning_rate=0.01"))
    student = trainer.model
    assert bar_teacher.segments_per_window(student, teacher) == 1
    assert bar_teacher.teaches_encoder(student, teacher)
    student.assign_magenta_weights(bar_teacher.taught_weights(student, teacher))
    windows = tf.constant(_windows(3, 256, seed=5))
    units = tf.reshape(windows, [-1, 32])
    np.testing.assert_allclose(student.encoder.levels[0](units).numpy(),
                               teacher.encoder(units).numpy(), atol=1e-5)
    targets, _ = bar_teacher.segment_codes(student, teacher, windows)
    mu, _ = teacher.posterior(units)
    assert targets.shape == (3, 8, 32)
    _, lowest = student.encoder.with_lowest(windows)  # what the warm-up reads the targets from
    np.testing.assert_allclose(bar_teacher.segment_codes(student, teacher, windows, lowest)[0],
                               targets, atol=1e-6)
    np.testing.assert_allclose(targets.numpy().reshape(-1, 32),
                               np.clip(mu.numpy() / bar_teacher.CODE_SCALE, -0.95, 0.95),
                               rtol=1e-5, atol=1e-6)
    # the core decodes a unit as the teacher decodes its window
    embeddings = tf.random.uniform([4, 32], -0.9, 0.9, seed=2)
    starts = -tf.ones([4, 1], tf.int64)
    core_logits = student.decoder.cores[0].logits(embeddings, units[:4, :, None], starts)
    teacher_logits = teacher.decoder.logits(bar_teacher.CODE_SCALE * embeddings, units[:4])
    np.testing.assert_allclose(core_logits.numpy(), teacher_logits.numpy(), atol=2e-4)
    # a warm-up step moves the upper level and the conductor, not the taught lowest level
    trainer.warmup = Warmup(
        lambda batch, **kw: bar_teacher.code_terms(student, teacher, batch, **kw), 5)
    before = student.numpy_weights()
    for _ in range(3):
        trainer.train_step(windows)
    after = student.numpy_weights()
    changed = {n for n in before if not np.array_equal(before[n], after[n])}
    assert changed and not any("hierarchical_level_0" in n and n.startswith("encoder/")
                               for n in changed)
    assert any(n.startswith("encoder/hierarchical_level_1") for n in changed)
    assert not any("core_decoder" in n for n in changed)


def test_a_teacher_whose_window_is_not_one_or_two_segments_is_refused():
    four_bars = _model("cat-mel_2bar_tiny", "z_size=32,max_seq_len=64")
    with pytest.raises(ValueError, match=r"windows of 64 steps vs segments of 16"):
        bar_teacher.check_teacher(_model(*STUDENT), four_bars)
    units = _model(*UNITS)
    assert not bar_teacher.teaches_encoder(units, _model("cat-mel_2bar_tiny",
                                                         "z_size=32,enc_rnn_size=[48]"))
