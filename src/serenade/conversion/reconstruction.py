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


def no_event_share(converter: WindowConverter, windows: np.ndarray) -> float:
    """Share of steps that are "no event": the accuracy of always predicting it (a baseline)."""
    windows = np.asarray(windows)
    return float(np.mean(windows == converter.no_event_class)) if windows.size else float("nan")
