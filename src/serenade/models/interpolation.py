"""Paths between latent vectors: slerp (magenta) and lerp (magenta.js)."""

from __future__ import annotations

import numpy as np


def slerp(p0: np.ndarray, p1: np.ndarray, t: float) -> np.ndarray:
    """Spherical linear interpolation as magenta's `_slerp`: the angle comes from the
    normalized vectors, while the endpoints keep their own lengths.

    Falls back to lerp when the vectors are (anti)parallel, where the formula divides by zero.
    """
    p0 = np.asarray(p0, np.float64)
    p1 = np.asarray(p1, np.float64)
    cosine = np.dot(p0 / np.linalg.norm(p0), p1 / np.linalg.norm(p1))
    omega = np.arccos(np.clip(cosine, -1.0, 1.0))
    sine = np.sin(omega)
    if abs(sine) < 1e-12:
        return lerp(p0, p1, t)
    return np.sin((1.0 - t) * omega) / sine * p0 + np.sin(t * omega) / sine * p1


def lerp(p0: np.ndarray, p1: np.ndarray, t: float) -> np.ndarray:
    """Linear interpolation (magenta.js `interpolate`)."""
    p0 = np.asarray(p0, np.float64)
    p1 = np.asarray(p1, np.float64)
    return (1.0 - t) * p0 + t * p1


METHODS = {"slerp": slerp, "lerp": lerp}


def interpolate(z0: np.ndarray, z1: np.ndarray, num_steps: int, method: str = "slerp") -> np.ndarray:
    """`num_steps` vectors from z0 to z1, both endpoints included, float32 [num_steps, z]."""
    if method not in METHODS:
        raise ValueError(f"unknown interpolation {method!r}; use one of {sorted(METHODS)}")
    if num_steps < 2:
        raise ValueError(f"an interpolation needs at least 2 steps (the endpoints), got {num_steps}")
    path = METHODS[method]
    return np.stack([path(z0, z1, t) for t in np.linspace(0.0, 1.0, num_steps)]).astype(np.float32)


def similar_z(mu: np.ndarray, n: int, similarity: float, rng: np.random.Generator) -> np.ndarray:
    """magenta.js `similar`: z = similarity * mu + (1 - similarity) * N(0, I) noise, [n, z]."""
    if not 0.0 <= similarity <= 1.0:
        raise ValueError(f"similarity must be in [0, 1], got {similarity}")
    mu = np.asarray(mu, np.float32).reshape(1, -1)
    noise = rng.standard_normal((n, mu.shape[1]), dtype=np.float32)
    return (similarity * mu + (1.0 - similarity) * noise).astype(np.float32)
