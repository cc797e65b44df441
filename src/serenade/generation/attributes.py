"""Attribute vectors (MusicVAE paper, section 5.4): the mean latent code of windows that have
an attribute minus the mean of windows that do not. Adding a multiple of it to a piece's code
moves the decoded music towards the attribute; subtracting moves it away.

Attributes:
- computed: a scalar feature of the model's windows (`serenade.generation.features`; melody:
  note_density, pitch_range, mean_interval, in_scale, repetition, mean_pitch; drums:
  hits_per_bar and one {piece}_per_bar per kit piece, e.g. kick_per_bar; trio: the melody
  ones prefixed melody_ and bass_ (melody_note_density, bass_in_scale, ...) and the drum
  ones). Windows at or above the upper quantile
  "have" it, windows at or below the lower quantile do not (defaults 0.75 and 0.25: the top
  quarter against the bottom quarter); the middle half is left out so the two groups differ.
- label: a word from the sources' `labels` (the default config labels Bach chorales `calm`):
  windows from sources carrying the label against all others.

Codes are posterior means (mu) of training windows. `evaluate_vector` measures, on held-out
(eval) windows decoded greedily with and without the vector, how far the attribute moves in the
asked direction and for how many windows: the feature itself for computed attributes, and for
every attribute the projection of the re-encoded result onto the vector (the model's own
reading of "more of it").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from serenade.conversion.splits import LabelledWindows
from serenade.generation import conditioning
from serenade.generation.features import MELODY_FEATURES, FeatureSet

DEFAULT_QUANTILES = (0.25, 0.75)


class AttributeVectorError(ValueError):
    """An attribute cannot be computed (unknown name, or a group without windows)."""


@dataclass
class AttributeVector:
    name: str
    kind: str  # "computed" | "label"
    vector: np.ndarray  # float32 [z_size]
    count_with: int
    count_without: int
    thresholds: tuple[float, float] | None = None  # (low, high) feature values, computed only

    def describe(self) -> str:
        if self.kind == "label":
            return (f"label {self.name!r}: {self.count_with} windows with it, "
                    f"{self.count_without} without")
        low, high = self.thresholds
        return (f"{self.name}: {self.count_with} windows >= {high:g}, "
                f"{self.count_without} windows <= {low:g}")


def attribute_kind(name: str, labels: Sequence[str], computed: Sequence[str] = MELODY_FEATURES.scalars
                   ) -> str:
    if name in computed:
        return "computed"
    if name in labels:
        return "label"
    raise AttributeVectorError(f"unknown attribute {name!r}: use a computed one "
                          f"({', '.join(computed)}) or a source label "
                          f"({', '.join(sorted(labels)) or 'no source has labels'})")


def encode_mu(model, windows: np.ndarray, chords: np.ndarray | None = None) -> np.ndarray:
    """Posterior means of the windows (over their chord classes, for a chord-conditioned
    model)."""
    _, mu, _ = model.encode(windows, controls=conditioning.vectors(model, chords))
    return mu


def attribute_groups(name: str, data: LabelledWindows, labels_by_source: Mapping[str, Sequence[str]],
                     quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                     features: FeatureSet = MELODY_FEATURES
                     ) -> tuple[np.ndarray, np.ndarray, tuple[float, float] | None]:
    """Masks (with, without) over `data` and the thresholds used (computed attributes)."""
    all_labels = sorted({label for labels in labels_by_source.values() for label in labels})
    kind = attribute_kind(name, all_labels, features.scalars)
    if kind == "label":
        having = data.with_label(name, labels_by_source)
        return having, ~having, None
    low_q, high_q = quantiles
    if not 0.0 <= low_q <= high_q <= 1.0:
        raise AttributeVectorError(f"quantiles must satisfy 0 <= low <= high <= 1, got {quantiles}")
    values = features.table(data.windows)[name]
    finite = np.isfinite(values)
    if not finite.any():
        raise AttributeVectorError(f"{name}: no window where it is defined")
    low, high = np.quantile(values[finite], [low_q, high_q])
    having = finite & (values >= high)
    without = finite & (values <= low)
    if high == low:  # a feature with few values: keep the two groups apart
        without = finite & (values < low)
    return having, without, (float(low), float(high))


def compute_vector(model, name: str, data: LabelledWindows,
                   labels_by_source: Mapping[str, Sequence[str]],
                   quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                   mu: np.ndarray | None = None,
                   features: FeatureSet = MELODY_FEATURES) -> AttributeVector:
    """The attribute vector of `name` from the training windows `data` (mu: their codes)."""
    having, without, thresholds = attribute_groups(name, data, labels_by_source, quantiles,
                                                   features)
    kind = "label" if thresholds is None else "computed"
    for mask, what in ((having, "with"), (without, "without")):
        if not mask.any():
            raise AttributeVectorError(f"attribute {name!r}: no training window {what} it "
                                  + ("(every source carries the label)" if what == "without"
                                     and kind == "label" else
                                     "(no source carries the label)" if kind == "label" else
                                     f"(thresholds {thresholds})"))
    mu = encode_mu(model, data.windows, data.controls) if mu is None else mu
    vector = mu[having].mean(axis=0) - mu[without].mean(axis=0)
    return AttributeVector(name, kind, vector.astype(np.float32), int(having.sum()),
                           int(without.sum()), thresholds)


def apply_vector(z: np.ndarray, vector: AttributeVector, strength: float) -> np.ndarray:
    """z + strength * vector (negative strength: less of the attribute)."""
    return (np.asarray(z, np.float32) + np.float32(strength) * vector.vector).astype(np.float32)


@dataclass
class VectorEffect:
    """What applying a vector did to held-out windows."""

    attribute: str
    strength: float
    windows: int
    feature_change: float = float("nan")  # mean change of the feature (computed attributes)
    feature_moved: float = float("nan")  # share of windows whose feature moved in the asked way
    latent_change: float = float("nan")  # mean projection of the re-encoded shift on the vector
    latent_moved: float = float("nan")  # share with a positive (negative) projection
    extra: dict[str, float] = field(default_factory=dict)  # mean change of every feature

    def as_row(self) -> dict[str, float | str | int]:
        row = {"attribute": self.attribute, "strength": self.strength, "eval_windows": self.windows,
               "feature_change": self.feature_change, "feature_moved": self.feature_moved,
               "latent_change": self.latent_change, "latent_moved": self.latent_moved}
        row.update({f"change_{k}": v for k, v in self.extra.items()})
        return row


def evaluate_vector(model, vector: AttributeVector, held_out: np.ndarray,
                    strength: float = 1.0, features: FeatureSet = MELODY_FEATURES,
                    chords: np.ndarray | None = None) -> VectorEffect:
    """Decode held-out windows greedily from mu and from mu + strength * vector; compare (a
    chord-conditioned model keeps each window's chord classes `chords` throughout)."""
    if len(held_out) == 0:
        return VectorEffect(vector.name, strength, 0)
    controls = conditioning.vectors(model, chords)
    mu = encode_mu(model, held_out, chords)
    before, _ = model.decode(mu, temperature=0.0, keep_logits=False, controls=controls)
    after, _ = model.decode(apply_vector(mu, vector, strength), temperature=0.0, keep_logits=False,
                            controls=controls)
    sign = np.sign(strength) or 1.0
    effect = VectorEffect(vector.name, strength, len(held_out))
    table_before, table_after = features.table(before), features.table(after)
    for name in features.scalars:
        delta = table_after[name] - table_before[name]
        delta = delta[np.isfinite(delta)]
        effect.extra[name] = float(delta.mean()) if len(delta) else float("nan")
    if vector.kind == "computed":
        delta = table_after[vector.name] - table_before[vector.name]
        defined = np.isfinite(delta)
        if defined.any():
            effect.feature_change = float(delta[defined].mean())
            effect.feature_moved = float((sign * delta[defined] > 0).mean())
    unit = vector.vector / (np.linalg.norm(vector.vector) or 1.0)
    shift = (encode_mu(model, after, chords) - encode_mu(model, before, chords)) @ unit
    effect.latent_change = float(shift.mean())
    effect.latent_moved = float((sign * shift > 0).mean())
    return effect
