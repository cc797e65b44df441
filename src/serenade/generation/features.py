"""Musical features of one melody window, the quantities both the music metrics and the
attribute vectors measure. All are computed from the 90-class events (16 steps per bar):

- note_density: note onsets per bar;
- pitch_range: highest minus lowest pitch, in semitones (0 for one note; NaN without notes);
- mean_interval: mean absolute interval between consecutive notes, in semitones (NaN < 2 notes);
- in_scale: share of notes in the best-fitting major (equivalently natural-minor) scale;
- repetition: share of the window's 3-interval patterns (four consecutive notes, intervals
  only, so transposed repeats count) that already occurred earlier in the window (NaN < 5 notes);
- mean_pitch: mean MIDI pitch of the notes (NaN without notes);
- pitch_classes: duration-free histogram of pitch classes (12 values summing to 1; zeros
  without notes).
"""

from __future__ import annotations

import numpy as np

from serenade.generation.notes import pitches

STEPS_PER_BAR = 16
SCALAR_FEATURES = ("note_density", "pitch_range", "mean_interval", "in_scale", "repetition",
                   "mean_pitch")
_MAJOR = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], bool)
_SCALES = np.stack([np.roll(_MAJOR, key) for key in range(12)])  # [12 keys, 12 pitch classes]


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
    result["in_scale"] = float((_SCALES @ counts).max() / len(notes))
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
