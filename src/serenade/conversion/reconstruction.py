"""How much of a window a reconstruction keeps, for any family's windows.

Most steps of a window are "no event" (a melody holding a note, a drum roll's silent steps),
so accuracy over all steps stays high for a model that reproduces almost none of the music.
The honest figure counts only the steps where the input starts an event; the share of
"no event" steps is the baseline to read all-step accuracies against.
"""

from __future__ import annotations

import numpy as np

from serenade.conversion.protocol import WindowConverter


def onset_accuracy(converter: WindowConverter, targets: np.ndarray, decoded: np.ndarray) -> float:
    """Share of the event-starting steps of `targets` that `decoded` reproduces exactly; NaN
    when the targets start no event."""
    targets, decoded = np.asarray(targets), np.asarray(decoded)
    if targets.shape != decoded.shape:
        raise ValueError(f"targets {targets.shape} and decoded {decoded.shape} differ in shape")
    onsets = converter.starts_event(targets)
    if not onsets.any():
        return float("nan")
    return float(np.mean(decoded[onsets] == targets[onsets]))


def counted(windows: np.ndarray) -> np.ndarray:
    """The rows a window's accuracy counts: all but padding (class -1, past the end of a
    multi-instrument track; magenta's accuracy leaves it out too)."""
    return np.asarray(windows) >= 0


def step_accuracy(targets: np.ndarray, decoded: np.ndarray) -> float:
    """Share of the counted rows of `targets` that `decoded` reproduces."""
    targets = np.asarray(targets)
    rows = counted(targets)
    if not rows.any():
        return float("nan")
    return float(np.mean(np.asarray(decoded)[rows] == targets[rows]))


def no_event_share(converter: WindowConverter, windows: np.ndarray) -> float:
    """Share of the counted rows that are "no event": the accuracy of always predicting it (a
    baseline). A performance has no such class (every row is an event), so its share is 0."""
    windows = np.asarray(windows)
    rows = counted(windows)
    if not rows.any():
        return float("nan")
    return float(np.mean(windows[rows] == converter.no_event_class))
