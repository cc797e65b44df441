"""Evaluation of magenta's fixture model on the fixture windows, checked against magenta's output."""

from __future__ import annotations

import json

import numpy as np
import pytest

from serenade.paths import MAGENTA_FIXTURES
from serenade.models import objective
from serenade.training import evaluation

from testing.fixtures import fixture_model

FIXTURE = MAGENTA_FIXTURES / "cat-mel_2bar_small"


def _first_windows():
    """Each case's first window and magenta's greedy decode of it from mu."""
    cases = json.loads((FIXTURE / "fixture.json").read_text())["cases"]
    windows, greedy = [], []
    with np.load(FIXTURE / "expected.npz") as expected:
        for k, case in enumerate(cases):
            if case["num_windows"]:
                windows.append(expected[f"case{k}_windows"][0])
                greedy.append(expected[f"case{k}_greedy_from_mu"])
    return np.asarray(windows, np.int32), np.asarray(greedy, np.int32)


def test_mu_accuracy_matches_magentas_greedy_decodes():
    model = fixture_model()
    windows, greedy = _first_windows()
    metrics = evaluation.evaluate(model, windows, batch_size=4, beta=0.2, free_bits=0.0,
                                  loss_sampling_probability=1.0)
    assert metrics["windows"] == len(windows) == 7
    assert metrics["mu_accuracy"] == pytest.approx(np.mean(greedy == windows))
    onsets = windows >= 2
    assert metrics["mu_onset_accuracy"] == pytest.approx(np.mean(greedy[onsets] == windows[onsets]))
    assert metrics["no_event_baseline"] == pytest.approx(np.mean(windows == 0))
    assert 0.3 < metrics["accuracy"] <= 1 and 0.3 < metrics["sampled_accuracy"] <= 1
    assert 0 < metrics["active_units"] <= 256
    mu, sigma = model.posterior(windows)
    kl = objective.kl_per_dimension(mu, sigma).numpy().sum(axis=1)
    assert metrics["kl_bits"] == pytest.approx(kl.mean() / np.log(2), rel=1e-4)
    assert metrics["loss"] == pytest.approx(metrics["r_loss"] + 0.2 * kl.mean(), rel=1e-4)


def test_active_units_count_dimensions_above_threshold():
    model = fixture_model()
    windows, _ = _first_windows()
    mu, sigma = model.posterior(windows)
    per_dim = objective.kl_per_dimension(mu, sigma).numpy().mean(axis=0)
    metrics = evaluation.evaluate(model, windows, batch_size=16, beta=0.0, free_bits=0.0,
                                  loss_sampling_probability=0.0)
    assert metrics["active_units"] == np.sum(per_dim > 0.01)
    with pytest.raises(ValueError, match="no eval windows"):
        evaluation.evaluate(model, windows[:0], batch_size=4, beta=0, free_bits=0,
                            loss_sampling_probability=0)
