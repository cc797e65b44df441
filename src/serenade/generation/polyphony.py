"""Polyphony features of multi-instrument performance windows (the multiperf configs): what
melody, drum and part features cannot measure in music of several instruments, each playing
chords, with velocities.

Each window is decoded to its notes by its converter (`from_windows`: the same notes its MIDI
holds), and measured:

- notes_per_bar: notes (over every instrument) per bar;
- polyphony: mean number of notes sounding together while any sounds (the summed note
  durations over the time some note sounds: 1 for a single line, 4 for a four-voice chorale
  held throughout; NaN without notes);
- in_scale: share of the pitched notes in their best-fitting major scale
  (`features.in_scale_share`);
- instruments: instruments playing at least one note;
- notes: how many notes the window has (a count, not a metric);
- velocities: histogram of the notes' velocity bins (the converter's, 8 for the configs;
  summing to 1, zeros without notes): the set distance `velocity_distance` compares two sets'
  dynamics, as `pitch_class_distance` compares melodies' keys.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from note_seq import performance_lib

from serenade.generation.features import FeatureSet, in_scale_share, window_key

SCALARS = ("notes_per_bar", "polyphony", "in_scale", "instruments")


def _sounding_share(starts: np.ndarray, ends: np.ndarray) -> float:
    """Summed durations over the length of their union: notes sounding together on average."""
    order = np.argsort(starts)
    union, reach = 0.0, -np.inf
    for start, end in zip(starts[order], ends[order]):
        if start >= reach:
            union += end - start
        elif end > reach:
            union += end - reach
        reach = max(reach, end)
    return float(np.sum(ends - starts) / union) if union > 0 else float("nan")


def polyphony_feature_table(windows: np.ndarray, converter) -> dict[str, np.ndarray]:
    """{feature: values [n]} for multiperf windows [n, rows], plus `velocities` [n, bins]."""
    bins = converter.num_velocity_bins
    windows = np.asarray(windows)
    table: dict[str, list] = {name: [] for name in (*SCALARS, "notes", "velocities")}
    for sequence in converter.from_windows(windows) if len(windows) else []:
        notes = [note for note in sequence.notes if note.end_time > note.start_time]
        pitched = [note.pitch for note in notes if not note.is_drum]
        table["notes"].append(len(notes))
        table["notes_per_bar"].append(len(notes) / converter.slice_bars)
        table["polyphony"].append(_sounding_share(
            np.array([n.start_time for n in notes]), np.array([n.end_time for n in notes])))
        table["in_scale"].append(in_scale_share(
            np.bincount(np.array(pitched, np.int64) % 12, minlength=12)))
        table["instruments"].append(len({note.instrument for note in notes}))
        counts = np.bincount([performance_lib.velocity_to_bin(n.velocity, bins) - 1
                              for n in notes], minlength=bins).astype(np.float64)
        table["velocities"].append(counts / counts.sum() if counts.sum() else counts)
    result = {name: np.array(table[name], np.float64) for name in (*SCALARS, "notes")}
    result["velocities"] = (np.stack(table["velocities"]) if table["velocities"]
                            else np.zeros((0, bins)))
    return result


def polyphony_features(converter) -> FeatureSet:
    """The `FeatureSet` of a multiperf converter's windows (`features.features_for`)."""
    return FeatureSet("polyphony", SCALARS, "velocities", "velocity_distance",
                      partial(polyphony_feature_table, converter=converter), window_key,
                      defaults=("notes_per_bar", "polyphony"))
