"""Walks through latent space: an interpolation between two windows (magenta's
--mode=interpolate), and a journey through several (A -> B -> C ...), decoded to events.

The one walk that the `interpolate` command, the MLflow model and the workflow's
interpolation and journey jobs all take. Each input window is encoded to its posterior mean mu
(as magenta's interpolate does); the path between two mus is slerp (magenta) or lerp
(magenta.js) with `num_steps` points, endpoints included. A journey chains such legs, sharing
each waypoint between the leg that ends there and the leg that starts there, so a journey
through k inputs has (k - 1) * (num_steps - 1) + 1 points.
A chord-conditioned model encodes each input over its own chords and decodes every point over
one progression when given one (magenta decodes an interpolation over its first input's
chords), else each point over the chords of the input nearest to it on the path
(`nearest_waypoint`), so every endpoint keeps its own harmony.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from serenade.config_schema import schema_default
from serenade.conversion import controls as ctl
from serenade.models.interpolation import interpolate


@dataclass
class LatentPath:
    """Points of a walk and what they decode to."""

    z: np.ndarray  # float32 [n, z_size]
    events: np.ndarray  # int [n, window_steps] (or [n, window_steps, parts])
    waypoints: list[int]  # indices of the points that are the inputs' mus
    chords: np.ndarray | None = None  # chord classes [n, window_steps] each point decoded over


def encode_means(model, windows: Sequence[np.ndarray], chords: np.ndarray | None = None
                 ) -> np.ndarray:
    """Posterior means [k, z_size] of the windows (over their chord classes [k, steps] for a
    chord-conditioned model)."""
    stacked = np.stack([np.asarray(w).reshape(model.window_shape) for w in windows])
    _, mu, _ = model.encode(stacked, controls=ctl.vectors(model.config.converter, chords))
    return mu


def journey_z(mus: np.ndarray, num_steps: int, method: str = "slerp") -> tuple[np.ndarray, list[int]]:
    """Points through every mu in order, `num_steps` per leg (endpoints included, shared)."""
    if len(mus) < 2:
        raise ValueError(f"a walk needs at least 2 inputs, got {len(mus)}")
    points, waypoints = [], [0]
    for leg, (start, end) in enumerate(zip(mus[:-1], mus[1:])):
        segment = interpolate(start, end, num_steps, method)
        points.append(segment if leg == 0 else segment[1:])
        waypoints.append(waypoints[-1] + num_steps - 1)
    return np.concatenate(points).astype(np.float32), waypoints


def nearest_waypoint(points: int, waypoints: Sequence[int]) -> np.ndarray:
    """For each point of a walk, the index of the input whose waypoint is nearest (the earlier
    one at equal distance)."""
    marks = np.asarray(waypoints)
    index = np.arange(points)[:, None]
    return np.argmin(np.abs(index - marks[None, :]), axis=1)


def walk(model, windows: Sequence[np.ndarray], num_steps: int, *, method: str = "slerp",
         temperature: float = schema_default("generate.temperature"),
         seed: int | None = None, chords: np.ndarray | None = None,
         decode_chords: np.ndarray | None = None) -> LatentPath:
    """Encode the windows, walk through their mus, decode every point.

    For a chord-conditioned model, `chords` are the inputs' chord classes [k, steps] and
    `decode_chords` [steps] the progression every point is decoded over (default: each point
    over its nearest input's chords)."""
    z, waypoints = journey_z(encode_means(model, windows, chords), num_steps, method)
    point_chords = None
    if decode_chords is not None:
        point_chords = np.repeat(np.asarray(decode_chords)[None], len(z), axis=0)
    elif chords is not None:
        point_chords = np.asarray(chords)[nearest_waypoint(len(z), waypoints)]
    controls = ctl.vectors(model.config.converter, point_chords)
    events, _ = model.decode(z, temperature=temperature, seed=seed, keep_logits=False,
                             controls=controls)
    return LatentPath(z, np.asarray(events), waypoints, point_chords)
