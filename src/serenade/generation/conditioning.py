"""The chords a chord-conditioned model generates over (its controls: a chord per step).

Generation handles chords as chord classes [steps] (what `serenade.chords.encoding` numbers)
and turns them into the model's control vectors only at the model's door, so the same code
serves models without controls: for those every function here gives None.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from serenade.conversion import controls as ctl


def parse_progression(converter, text: str | None, where: str = "chords") -> np.ndarray:
    """Chord classes [steps] of a progression such as "C Am F G" (commas allowed) spread
    evenly over a chord converter's window. ValueError naming `where` for a missing
    progression, a chord that is not an encodable triad, or a progression that does not fit."""
    figures = (text or "").replace(",", " ").split()
    if not figures:
        raise ValueError(f"{where}: a chord progression is required (e.g. \"C Am F G\")")
    try:
        return converter.progression(figures)
    except ValueError as error:
        raise ValueError(f"{where} {text!r}: {error}") from None


def progression(model, text: str | None, where: str = "chords") -> np.ndarray | None:
    """`parse_progression` for a chord-conditioned model; None for a model without controls."""
    if not model.config.takes_chords:
        return None
    return parse_progression(model.config.converter, text, where)


def vectors(model, classes: np.ndarray | None) -> np.ndarray | None:
    """The model's control vectors of chord classes [..., steps] (None stays None)."""
    return ctl.vectors(model.config.converter, classes)


def stacked(classes: Sequence[np.ndarray | None]) -> np.ndarray | None:
    """Chord classes [n, steps] of windows that each carry theirs; None when they carry none."""
    if not classes or classes[0] is None:
        return None
    return np.stack([np.asarray(c) for c in classes])

