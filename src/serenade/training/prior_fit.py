"""Fit a trained model's sampling prior (`serenade.models.latent_prior`) to its train split."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from serenade.models import latent_prior as priors
from serenade.training.window_kinds import window_kind

LOG = logging.getLogger("serenade.training")


def fit_latent_prior(model: Any, train_records: Sequence[bytes], *, seed: int = 0,
                     name: str = "model") -> priors.LatentPrior | None:
    """Set `model.latent_prior` to the Gaussian of the posteriors of up to FIT_WINDOWS of the
    split's windows (a seeded subset; untransposed, so samples stay in the keys of the data);
    None, with a warning, when the split yields fewer than two windows."""
    kind = window_kind(model.config.converter)
    found = kind.eval_set(train_records, max_windows=priors.FIT_WINDOWS, seed=seed)
    if len(found) < 2:
        model.latent_prior = None
        LOG.warning("%s: the train split yields %d window(s): no latent prior is fitted, samples "
                    "draw z from N(0, I)", name, len(found))
        return None
    inputs, controls = kind.encoder_inputs(found)
    prior = model.fit_latent_prior(inputs, controls)
    spread = np.sqrt(np.sum(prior.scale_tril.astype(np.float64) ** 2, axis=1))  # sd per dim
    LOG.info("%s: latent prior fitted to the posteriors of %d training windows (samples draw z "
             "from it): mean |mean| %.3f, mean sd %.3f (N(0, I): 0, 1)", name, prior.windows,
             float(np.abs(prior.mean).mean()), float(spread.mean()))
    return prior
