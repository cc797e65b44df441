"""Controls: what a converter with a control per step (a chord: magenta's `control_depth`)
gives beside its windows, as the data layers carry it.

Such a converter's `to_windows` (and training draw) returns a pair, (windows, control classes
int16 [n, T]), where the others return the windows alone; `converter.controls(classes)` turns
the classes into the model's control vectors [n, T, control_depth]. This module is the one place
that tells the two apart, so the input pipeline, evaluation and generation ask it.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def control_depth(converter: Any) -> int:
    """Width of a step's control vector; 0 for a converter without controls."""
    return int(getattr(converter, "control_depth", 0))


def split(converted: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """(windows, control classes) of a converter's output; (windows, None) without controls."""
    if isinstance(converted, tuple):
        windows, classes = converted
        return windows, classes
    return converted, None


def vectors(converter: Any, classes: np.ndarray | None) -> np.ndarray | None:
    """The model's control vectors [..., T, control_depth] of control classes [..., T]
    (None stays None)."""
    return None if classes is None else np.asarray(converter.controls(np.asarray(classes)))
