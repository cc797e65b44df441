"""Musical features of windows, the quantities both the music metrics and the attribute vectors
measure. `features_for(converter)` gives the set that fits a model's windows (a `FeatureSet`):

Melody windows (90-class events, 16 steps per bar):

- note_density: note onsets per bar;
- pitch_range: highest minus lowest pitch, in semitones (0 for one note; NaN without notes);
- mean_interval: mean absolute interval between consecutive notes, in semitones (NaN < 2 notes);
- in_scale: share of notes in the best-fitting major (equivalently natural-minor) scale;
- repetition: share of the window's 3-interval patterns (four consecutive notes, intervals
  only, so transposed repeats count) that already occurred earlier in the window (NaN < 5 notes);
- mean_pitch: mean MIDI pitch of the notes (NaN without notes);
- pitch_classes: duration-free histogram of pitch classes (12 values summing to 1; zeros
  without notes).

Drum windows (the converter's `kit_hits`: which kit pieces each step hits):

- hits_per_bar: kit-piece hits per bar (a step hitting kick and snare counts two);
- {piece}_per_bar: hits of one kit piece per bar (kick_per_bar, snare_per_bar, ...);
- kit_pieces: histogram of the hits over the kit pieces (summing to 1; zeros without hits);
- steps_with_hits: how many steps of the window hit something (a count, not a metric).

Windows of several parts (a trio's melody, bass and drums, `converter.part_names`): each
pitched part's melody features prefixed with its name (melody_note_density, bass_in_scale, ...,
and its `{part}_pitch_classes` histogram), the drum part's drum features unprefixed
(hits_per_bar, kick_per_bar, ..., `kit_pieces`), and `part_classes`: the parts' histograms side
by side, each weighted 1/parts, so that the total-variation distance between two sets' mean
`part_classes` (`part_distance`) is the mean over the parts of each part's distance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from serenade.conversion.protocol import WindowConverter
from serenade.generation.notes import pitches, transposition_key

STEPS_PER_BAR = 16
SCALAR_FEATURES = ("note_density", "pitch_range", "mean_interval", "in_scale", "repetition",
                   "mean_pitch")
_MAJOR = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], bool)
_SCALES = np.stack([np.roll(_MAJOR, key) for key in range(12)])  # [12 keys, 12 pitch classes]


def best_scale(pitch_class_counts: np.ndarray) -> int:
    """The major scale (0 = C .. 11 = B; its relative minor has the same notes) holding the most
    of these notes [12]; the lowest such key on a tie."""
    return int(np.argmax(_SCALES @ np.asarray(pitch_class_counts)))


def in_scale_share(pitch_class_counts: np.ndarray) -> float:
    """Share of these notes [12 pitch-class counts] in their best-fitting major scale (NaN
    without notes): melodies and polyphony alike."""
    counts = np.asarray(pitch_class_counts)
    total = counts.sum()
    return float((_SCALES @ counts).max() / total) if total else float("nan")


def scalar_features(events: np.ndarray) -> dict[str, float]:
    row = np.asarray(events).reshape(-1)
    notes = pitches(row)
    bars = len(row) / STEPS_PER_BAR
    result = {"note_density": len(notes) / bars}
    if len(notes) == 0:
        result.update(pitch_range=np.nan, mean_interval=np.nan, in_scale=np.nan,
                      repetition=np.nan, mean_pitch=np.nan)
        return result
    intervals = np.diff(notes)
    result["pitch_range"] = float(notes.max() - notes.min())
    result["mean_interval"] = float(np.abs(intervals).mean()) if len(intervals) else np.nan
    counts = np.bincount(notes % 12, minlength=12)
    result["in_scale"] = in_scale_share(counts)
    if len(intervals) >= 4:
        patterns = [tuple(intervals[i:i + 3]) for i in range(len(intervals) - 2)]
        seen, repeats = set(), 0
        for pattern in patterns:
            repeats += pattern in seen
            seen.add(pattern)
        result["repetition"] = repeats / len(patterns)
    else:
        result["repetition"] = np.nan
    result["mean_pitch"] = float(notes.mean())
    return result


def pitch_class_histogram(events: np.ndarray) -> np.ndarray:
    notes = pitches(events)
    counts = np.bincount(notes % 12, minlength=12).astype(np.float64)
    return counts / counts.sum() if counts.sum() else counts


def feature_table(windows: np.ndarray) -> dict[str, np.ndarray]:
    """{feature: values [n]} for windows [n, steps], plus `pitch_classes` [n, 12]."""
    rows = [scalar_features(w) for w in windows]
    table = {name: np.array([r[name] for r in rows], np.float64) for name in SCALAR_FEATURES}
    table["pitch_classes"] = (np.stack([pitch_class_histogram(w) for w in windows])
                              if len(windows) else np.zeros((0, 12)))
    return table


# -- drums ------------------------------------------------------------------------------------

def drum_feature_names(kit_pieces: tuple[str, ...]) -> tuple[str, ...]:
    return ("hits_per_bar", *(f"{piece}_per_bar" for piece in kit_pieces))


def drum_feature_table(windows: np.ndarray, converter: WindowConverter) -> dict[str, np.ndarray]:
    """{feature: values [n]} for drum windows [n, steps], plus `kit_pieces` [n, pieces]."""
    windows = np.asarray(windows)
    pieces = converter.kit_pieces
    roll = converter.kit_hits(windows)  # [n, steps, pieces], also for multi-part windows
    hits = roll.reshape(len(windows), -1, len(pieces)).sum(axis=1)
    bars = roll.shape[-2] / converter.steps_per_bar if len(windows) else 1.0
    hit_steps = roll.reshape(len(windows), -1, len(pieces)).any(axis=2)
    table = {"hits_per_bar": hits.sum(axis=1) / bars, "steps_with_hits": hit_steps.sum(axis=1)}
    for index, piece in enumerate(pieces):
        table[f"{piece}_per_bar"] = hits[:, index] / bars
    totals = hits.sum(axis=1, keepdims=True)
    table["kit_pieces"] = np.divide(hits, totals, out=np.zeros(hits.shape), where=totals > 0)
    return {name: np.asarray(values, np.float64) for name, values in table.items()}


def window_key(events: np.ndarray) -> bytes:
    """The window itself: drum and trio windows are never transposed, so only equal windows
    match."""
    return np.asarray(events, np.int64).reshape(-1).tobytes()


# -- several parts ----------------------------------------------------------------------------

def part_feature_names(converter: WindowConverter) -> tuple[str, ...]:
    names: list[str] = []
    for part in converter.part_names:
        if part == "drums":
            names += drum_feature_names(converter.kit_pieces)
        else:
            names += [f"{part}_{name}" for name in SCALAR_FEATURES]
    return tuple(names)


def part_feature_table(windows: np.ndarray, converter: WindowConverter) -> dict[str, np.ndarray]:
    """{feature: values [n]} for windows of several parts [n, steps, parts], with each part's
    histogram and `part_classes` (module docstring)."""
    windows = np.asarray(windows)
    table: dict[str, np.ndarray] = {}
    histograms = []
    for index, part in enumerate(converter.part_names):
        if part == "drums":
            found = drum_feature_table(windows, converter)
            histograms.append(found["kit_pieces"])
            table.update(found)
        else:
            found = feature_table(windows[..., index])
            histograms.append(found["pitch_classes"])
            table.update({f"{part}_{name}": values for name, values in found.items()})
    table["part_classes"] = (np.concatenate(histograms, axis=1) / len(histograms)
                             if len(windows) else np.zeros((0, sum(h.shape[1] for h in histograms))))
    return table


# -- which features a model's windows have -----------------------------------------------------

@dataclass(frozen=True)
class FeatureSet:
    """The features of one kind of window: what music metrics and attribute vectors measure."""

    kind: str  # "melody", "drums", or the parts' names for several ("melody/bass/drums")
    scalars: tuple[str, ...]  # one value per window (attribute names, `mean_*`, `oa_*` metrics)
    histogram: str  # a distribution per window ("pitch_classes", "kit_pieces")
    distance: str  # the metric comparing two sets' mean histograms
    table: Callable[[np.ndarray], dict[str, np.ndarray]]  # windows [n, T] -> {feature: [n]}
    key: Callable[[np.ndarray], bytes]  # memorisation: equal keys = the same music
    parts: tuple[str, ...] = ()  # the parts' names, windows of several parts only
    defaults: tuple[str, ...] = ()  # the attributes `generate.attributes.names: auto` computes


MELODY_DEFAULTS = ("note_density", "pitch_range", "mean_interval")
MELODY_FEATURES = FeatureSet("melody", SCALAR_FEATURES, "pitch_classes", "pitch_class_distance",
                             feature_table, transposition_key, defaults=MELODY_DEFAULTS)


def features_for(converter: WindowConverter) -> FeatureSet:
    """The features of a converter's windows: polyphony features for multi-instrument
    performances (`serenade.generation.polyphony`), each part's for windows of several parts,
    drum features when its classes are kit pieces, melody features otherwise."""
    if getattr(converter, "polyphonic", False):
        from serenade.generation.polyphony import polyphony_features  # it imports this one

        return polyphony_features(converter)
    if len(converter.part_depths) > 1:
        # each part's density: the melody's and the bass's notes, the drums' hits
        defaults = tuple("hits_per_bar" if part == "drums" else f"{part}_{MELODY_DEFAULTS[0]}"
                         for part in converter.part_names)
        return FeatureSet("/".join(converter.part_names), part_feature_names(converter),
                          "part_classes", "part_distance",
                          partial(part_feature_table, converter=converter), window_key,
                          tuple(converter.part_names), defaults)
    if not converter.kit_pieces:
        return MELODY_FEATURES
    names = drum_feature_names(converter.kit_pieces)
    return FeatureSet("drums", names, "kit_pieces", "kit_distance",
                      partial(drum_feature_table, converter=converter), window_key,
                      defaults=names[:3])
