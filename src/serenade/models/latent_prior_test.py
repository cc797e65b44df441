"""The fitted latent prior: its moments, its draws, and its checkpoint tensors."""

from __future__ import annotations

import numpy as np
import pytest

from serenade.models import latent_prior as priors


def _posteriors(n: int, rng: np.random.Generator):
    """mu with a known mean and correlated covariance, and per-dimension sigma."""
    mixing = np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.0, -0.5, 0.3]])
    mean = np.array([0.5, -1.0, 2.0])
    mu = mean + rng.standard_normal((n, 3)) @ mixing.T
    sigma = np.broadcast_to(np.array([0.1, 0.5, 0.2]), mu.shape)
    return mu, sigma, mean, mixing @ mixing.T + np.diag([0.01, 0.25, 0.04])


def test_the_fit_has_the_aggregate_posteriors_mean_and_covariance():
    mu, sigma, mean, covariance = _posteriors(20000, np.random.default_rng(0))
    prior = priors.fit(mu, sigma)
    assert prior.windows == 20000
    np.testing.assert_allclose(prior.mean, mean, atol=0.03)
    np.testing.assert_allclose(prior.scale_tril @ prior.scale_tril.T, covariance, atol=0.04)
    assert np.allclose(prior.scale_tril, np.tril(prior.scale_tril))
    # and its draws have them too: posterior draws z ~ N(mu, sigma) look alike
    drawn = prior.draw(20000, np.random.default_rng(1))
    assert drawn.dtype == np.float32 and drawn.shape == (20000, 3)
    posterior_draws = mu + sigma * np.random.default_rng(2).standard_normal(mu.shape)
    np.testing.assert_allclose(np.cov(drawn, rowvar=False),
                               np.cov(posterior_draws, rowvar=False), atol=0.06)


def test_fewer_windows_than_dimensions_still_give_a_usable_prior():
    rng = np.random.default_rng(0)
    prior = priors.fit(rng.standard_normal((5, 16)), np.full((5, 16), 0.0))
    assert np.isfinite(prior.scale_tril).all()
    with pytest.raises(ValueError, match="at least 2 posteriors"):
        priors.fit(np.zeros((1, 16)), np.zeros((1, 16)))


def test_sampling_draws_from_the_fitted_prior_only_when_asked_and_present():
    mu, sigma, mean, _ = _posteriors(4000, np.random.default_rng(0))
    prior = priors.fit(mu, sigma)
    fitted = priors.draw(prior, priors.FITTED, 4000, 3, np.random.default_rng(3))
    np.testing.assert_allclose(fitted.mean(axis=0), mean, atol=0.1)
    for z in (priors.draw(prior, priors.STANDARD, 4000, 3, np.random.default_rng(3)),
              priors.draw(None, priors.FITTED, 4000, 3, np.random.default_rng(3))):
        np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=0.1)
        np.testing.assert_allclose(z.std(axis=0), 1.0, atol=0.05)
    with pytest.raises(ValueError, match="prior must be one of"):
        priors.draw(prior, "aggregate", 1, 3, np.random.default_rng(0))
    assert "4000 training windows" in priors.used(prior, priors.FITTED)
    assert priors.used(None, priors.FITTED).startswith("N(0, I)")


def test_checkpoint_tensors_round_trip_and_bad_ones_are_refused():
    mu, sigma, _, _ = _posteriors(100, np.random.default_rng(0))
    prior = priors.fit(mu, sigma)
    tensors = prior.tensors()
    restored = priors.LatentPrior.from_tensors({**tensors, "decoder/x": np.zeros(2)}, 3)
    np.testing.assert_array_equal(restored.scale_tril, prior.scale_tril)
    assert restored.windows == 100
    assert priors.LatentPrior.from_tensors({"decoder/x": np.zeros(2)}, 3) is None
    partial = {k: v for k, v in tensors.items() if k != priors.SCALE_TRIL}
    with pytest.raises(ValueError, match="lacks serenade/latent_prior/scale_tril"):
        priors.LatentPrior.from_tensors(partial, 3)
    with pytest.raises(ValueError, match="model's z has 4 dimensions"):
        priors.LatentPrior.from_tensors(tensors, 4)
    broken = {**tensors, priors.MEAN: np.array([0.0, np.nan, 0.0], np.float32)}
    with pytest.raises(ValueError, match="not finite"):
        priors.LatentPrior.from_tensors(broken, 3)
