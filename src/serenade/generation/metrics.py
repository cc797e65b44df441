"""Music metrics of a set of generated windows against a reference set (the eval split).

For each scalar feature of the model's `FeatureSet` (serenade.generation.features: melody or
drum features, or each part's for a trio) the mean over the set is reported
(`mean_<feature>`), and Yang & Lerch's (2018, "On the evaluation of generative models in
music") overlap area `oa_<feature>`: the distances between every pair of reference windows
(intra-set) and between every generated and reference window (inter-set) each get a Gaussian
kernel density estimate (one Scott's-rule bandwidth for both); the area under the smaller of
the two densities is 1 when the generated set is spread around the reference like the reference itself and
goes to 0 as they part. `oa_pitch_classes` (drums: `oa_kit_pieces`; trio: `oa_part_classes`)
does the same with Euclidean distances of pitch-class (kit-piece, all parts') histograms.

Set-level numbers:
- `pitch_class_distance` (drums: `kit_distance`): total-variation distance (half the L1 norm)
  between the two sets' mean pitch-class (kit-piece) histograms (0 = same, 1 = disjoint); trio:
  `part_distance`, the mean of the melody's, the bass's and the drums' distances;
- `memorisation_rate`: share of generated windows equal to some training window (melodies up
  to transposition: serenade.generation.notes.transposition_key);
- `windows`: how many windows the set has (NaN features of empty windows are left out).

Large sets are subsampled (seeded) to `max_windows` for the pairwise distances only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from serenade.generation.features import MELODY_FEATURES, FeatureSet, feature_table
from serenade.generation.notes import transposition_key

KDE_POINTS = 512


def _bandwidth(values: np.ndarray) -> float:
    spread = values.std()
    if spread == 0:
        spread = max(abs(values.mean()) * 0.01, 1e-3)
    return spread * len(values) ** (-1.0 / 5.0)


def kde(values: np.ndarray, grid: np.ndarray, bandwidth: float | None = None) -> np.ndarray:
    """Gaussian kernel density estimate of `values` on `grid` (Scott's rule by default)."""
    h = bandwidth or _bandwidth(values)
    density = np.zeros_like(grid)
    for start in range(0, len(values), 2048):  # bounded memory for large distance sets
        chunk = values[start:start + 2048]
        density += np.exp(-0.5 * ((grid[:, None] - chunk[None, :]) / h) ** 2).sum(axis=1)
    return density / (len(values) * h * np.sqrt(2 * np.pi))


def overlap_area(a: np.ndarray, b: np.ndarray) -> float:
    """Area under min(KDE(a), KDE(b)); NaN when either sample is empty."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    # One bandwidth for both (Scott's rule on the pooled sample): with a bandwidth each, two
    # samples of a discrete feature piled on the same few values get spikes of different
    # widths and a small overlap although they agree.
    h = _bandwidth(np.concatenate([a, b]))
    grid = np.linspace(min(a.min(), b.min()) - 4 * h, max(a.max(), b.max()) + 4 * h, KDE_POINTS)
    return float(np.clip(np.trapezoid(np.minimum(kde(a, grid, h), kde(b, grid, h)), grid), 0.0, 1.0))


def _pairwise(x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """Distances within x (pairs i < j) or between x and y; rows are vectors (or scalars)."""
    x = x.reshape(len(x), -1)
    if y is None:
        d = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
        return d[np.triu_indices(len(x), k=1)]
    y = y.reshape(len(y), -1)
    return np.linalg.norm(x[:, None, :] - y[None, :, :], axis=-1).reshape(-1)


def _subsample(windows: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    if len(windows) <= limit:
        return windows
    return windows[np.sort(rng.choice(len(windows), limit, replace=False))]


def histogram_distance(generated: np.ndarray, reference: np.ndarray) -> float:
    """Total-variation distance between the mean histograms of two sets [n, bins]."""
    if len(generated) == 0 or len(reference) == 0:
        return float("nan")
    return float(0.5 * np.abs(generated.mean(axis=0) - reference.mean(axis=0)).sum())


def pitch_class_distance(generated: np.ndarray, reference: np.ndarray) -> float:
    """Total-variation distance between the sets' mean pitch-class histograms (0 = same)."""
    return histogram_distance(feature_table(np.asarray(generated))["pitch_classes"],
                               feature_table(np.asarray(reference))["pitch_classes"])


def memorisation_rate(generated: np.ndarray, training_keys: set[bytes],
                      key: Callable[[np.ndarray], bytes] = transposition_key) -> float:
    if len(generated) == 0:
        return float("nan")
    return float(np.mean([key(w) in training_keys for w in generated]))


def training_keys(windows: Iterable[np.ndarray],
                  key: Callable[[np.ndarray], bytes] = transposition_key) -> set[bytes]:
    return {key(w) for w in windows}


def music_metrics(generated: np.ndarray, reference: np.ndarray, *,
                  features: FeatureSet = MELODY_FEATURES, train_keys: set[bytes] | None = None,
                  max_windows: int = 400, seed: int = 0) -> dict[str, float]:
    """Metrics of `generated` windows [n, T] against `reference` windows [m, T]; `train_keys`
    made with `features.key`."""
    rng = np.random.default_rng(seed)
    generated = np.asarray(generated)
    reference = np.asarray(reference)
    result: dict[str, float] = {"windows": float(len(generated))}
    gen_all, ref_all = features.table(generated), features.table(reference)
    for name in features.scalars:
        values = gen_all[name][np.isfinite(gen_all[name])]
        result[f"mean_{name}"] = float(values.mean()) if len(values) else float("nan")
    result[features.distance] = histogram_distance(gen_all[features.histogram],
                                                    ref_all[features.histogram])
    gen_small = features.table(_subsample(generated, max_windows, rng))
    ref_small = features.table(_subsample(reference, max_windows, rng))
    for name in (*features.scalars, features.histogram):
        g, r = gen_small[name], ref_small[name]
        if g.ndim == 1:
            g, r = g[np.isfinite(g)], r[np.isfinite(r)]
        if len(g) < 1 or len(r) < 2:
            result[f"oa_{name}"] = float("nan")
            continue
        result[f"oa_{name}"] = overlap_area(_pairwise(r), _pairwise(g, r))
    if train_keys is not None:
        result["memorisation_rate"] = memorisation_rate(generated, train_keys, features.key)
    return result
