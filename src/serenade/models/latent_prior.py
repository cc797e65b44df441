"""The distribution samples draw z from: N(0, I) as magenta does, or a Gaussian fitted to the
training windows' posteriors.

A VAE is trained so that each window's posterior N(mu, sigma) stays near N(0, I), but the
posteriors of all the training windows together (the aggregate posterior) need not fill it. When
they do not, a z drawn from N(0, I) can land where no training window's code lies, and the decoder
was never taught what to play there. A hierarchical 16-bar model shows it: such z decode to
phrases that change key from one 2-bar unit to the next, while z drawn near the training windows'
codes keep theirs (docs/quality.md). Sampling from a Gaussian with the aggregate posterior's mean
and covariance ("ex-post density estimation": Ghosh et al. 2020, From Variational to
Deterministic Autoencoders; the two-stage VAE of Dai and Wipf 2019) keeps samples where the
decoder has learned to play.

Training fits the prior and saves it inside the model's checkpoint (`TENSOR_NAMES`), so the
workflow, the CLI and a served model can all draw from it; sampling draws from N(0, I), as
magenta does, unless asked for `fitted` (a model's `sample_prior`, `--prior`, a request's
`prior`), and a checkpoint without one (every magenta checkpoint) samples from N(0, I) either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# What `sample` draws z from: N(0, I), or the model's fitted prior (when it has one).
FITTED = "fitted"
STANDARD = "standard"
CHOICES = (STANDARD, FITTED)
# Posteriors fitted: a 512-dim covariance needs a few thousand windows to be well estimated.
FIT_WINDOWS = 4096
# Added to the covariance's diagonal so its Cholesky factor exists for few or collinear windows.
_JITTER = 1e-5
# Checkpoint tensor names: outside magenta's variable scopes, so magenta's own code ignores them.
_SCOPE = "serenade/latent_prior/"
MEAN, SCALE_TRIL, WINDOWS = (_SCOPE + "mean", _SCOPE + "scale_tril", _SCOPE + "windows")
TENSOR_NAMES = (MEAN, SCALE_TRIL, WINDOWS)


@dataclass(frozen=True)
class LatentPrior:
    """N(mean, L L^T): the Gaussian fitted to `windows` training posteriors."""

    mean: np.ndarray        # float32 [z_size]
    scale_tril: np.ndarray  # float32 [z_size, z_size], lower-triangular Cholesky factor L
    windows: int

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """float32 [n, z_size] z from N(mean, L L^T)."""
        noise = rng.standard_normal((n, len(self.mean)), dtype=np.float32)
        return (self.mean + noise @ self.scale_tril.T).astype(np.float32)

    def tensors(self) -> dict[str, np.ndarray]:
        """The prior as checkpoint tensors (`TENSOR_NAMES`)."""
        return {MEAN: self.mean, SCALE_TRIL: self.scale_tril,
                WINDOWS: np.asarray(self.windows, np.int64)}

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], z_size: int) -> "LatentPrior | None":
        """The prior stored in a checkpoint's tensors; None when it has none. ValueError when
        they do not make one for z_size."""
        if not any(name in tensors for name in TENSOR_NAMES):
            return None
        missing = [name for name in TENSOR_NAMES if name not in tensors]
        if missing:
            raise ValueError(f"its latent prior lacks {', '.join(missing)}")
        mean = np.asarray(tensors[MEAN], np.float32)
        scale = np.asarray(tensors[SCALE_TRIL], np.float32)
        if mean.shape != (z_size,) or scale.shape != (z_size, z_size):
            raise ValueError(f"its latent prior is for z of {list(mean.shape)} and "
                             f"{list(scale.shape)}, the model's z has {z_size} dimensions")
        if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
            raise ValueError("its latent prior holds values that are not finite")
        return cls(mean, scale, int(tensors[WINDOWS]))


def fit(mu: np.ndarray, sigma: np.ndarray) -> LatentPrior:
    """The Gaussian with the mean and covariance of the mixture of N(mu_i, diag(sigma_i^2)): the
    covariance of the mus plus the mean posterior variance."""
    mu = np.asarray(mu, np.float64)
    sigma = np.asarray(sigma, np.float64)
    if mu.ndim != 2 or len(mu) < 2 or sigma.shape != mu.shape:
        raise ValueError(f"a latent prior is fitted to at least 2 posteriors, got mu "
                         f"{list(mu.shape)} and sigma {list(sigma.shape)}")
    covariance = np.cov(mu, rowvar=False) + np.diag(np.mean(sigma ** 2, axis=0))
    scale = np.linalg.cholesky(covariance + _JITTER * np.eye(mu.shape[1]))
    return LatentPrior(mu.mean(axis=0).astype(np.float32), scale.astype(np.float32), len(mu))


def draw(prior: LatentPrior | None, choice: str, n: int, z_size: int,
         rng: np.random.Generator) -> np.ndarray:
    """float32 [n, z_size] z for `sample`: from `prior` when `choice` is FITTED and there is one,
    else from N(0, I)."""
    if choice not in CHOICES:
        raise ValueError(f"prior must be one of {', '.join(CHOICES)}, got {choice!r}")
    if choice == FITTED and prior is not None:
        return prior.draw(n, rng)
    return rng.standard_normal((n, z_size), dtype=np.float32)


def used(prior: LatentPrior | None, choice: str) -> str:
    """What `draw` draws from, in words (for logs and run parameters)."""
    if choice == FITTED and prior is not None:
        return f"the fitted prior ({prior.windows} training windows)"
    if choice == FITTED:
        return "N(0, I) (the model has no fitted prior)"
    return "N(0, I)"
