"""Long-term structure of 16-bar melodies: what a hierarchical model should keep and a chain of
2-bar windows loses.

- Bar repetition: the share of a window's bars (after its first) that repeat an earlier bar of
  the same window note for note, transposition allowed (the same onset steps, durations and
  intervals). Folk tunes and chorales repeat phrases: the default eval split's 16-bar windows
  repeat ~30% of their bars.
- Key kept: the share of windows whose last 4 bars fit the same major scale (or its relative
  minor: the same pitch set) best as their first 4 bars.
- Posterior use: decoding windows from their own mu against decoding them from a random z. A
  model whose decoder ignores z (posterior collapse) keeps as many onsets either way.
- Onsets kept by bar: the reconstruction's note onsets bar by bar. A code that carries the
  opening of a phrase but not its continuation shows here (docs/quality.md, "Phrases").

Windows are melody event classes [n, steps] (`serenade.melody.events`), 16 steps a bar.
"""

from __future__ import annotations

import numpy as np

from serenade.conversion.reconstruction import onset_accuracy
from serenade.generation.features import STEPS_PER_BAR, best_scale
from serenade.generation.notes import pitches
from serenade.melody import events as ev

KEY_BARS = 4  # the first and the last this many bars are compared for the key
PHRASE_STEPS = 16 * STEPS_PER_BAR  # windows this long are phrases: their structure is measured
FEW_PHRASE_NOTES = 16  # a 16-bar sample with fewer onsets than this is not a phrase


def _bar_signature(bar: np.ndarray) -> tuple | None:
    """A bar as its onset steps, note lengths (to the next event) and pitch intervals from its
    first note; None for a bar with no note onset (it repeats nothing)."""
    onsets = np.flatnonzero(bar >= ev.FIRST_NOTE_ON)
    if not len(onsets):
        return None
    changes = np.flatnonzero(bar != ev.NO_EVENT)
    ends = [int(changes[changes > step][0]) if (changes > step).any() else len(bar)
            for step in onsets]
    pitches = bar[onsets].astype(int)
    return (tuple(onsets.tolist()), tuple(e - s for s, e in zip(onsets.tolist(), ends)),
            tuple((pitches - pitches[0]).tolist()))


def bar_repeat_share(windows: np.ndarray, steps_per_bar: int = STEPS_PER_BAR) -> float:
    """Share of the bars with a note (first bars excluded) that repeat an earlier bar of their
    window, transposition allowed; NaN when no window has such a bar."""
    windows = np.asarray(windows)
    repeated = counted = 0
    for window in windows:
        seen: set[tuple] = set()
        for index, bar in enumerate(window.reshape(-1, steps_per_bar)):
            signature = _bar_signature(bar)
            if signature is None:
                continue
            if index and seen:
                counted += 1
                repeated += signature in seen
            seen.add(signature)
    return repeated / counted if counted else float("nan")


def _pitch_classes(events: np.ndarray) -> np.ndarray:
    """How many onsets of each pitch class a stretch of events has: [12]."""
    return np.bincount(pitches(events) % 12, minlength=12)


def key_kept_share(windows: np.ndarray, steps_per_bar: int = STEPS_PER_BAR,
                   bars: int = KEY_BARS) -> float:
    """Share of windows whose last `bars` bars fit the same scale best as their first `bars`
    (windows with no note in either stretch are left out); NaN when none is left."""
    span = bars * steps_per_bar
    kept = counted = 0
    for window in np.asarray(windows):
        first, last = _pitch_classes(window[:span]), _pitch_classes(window[-span:])
        if not first.any() or not last.any():
            continue
        counted += 1
        kept += best_scale(first) == best_scale(last)
    return kept / counted if counted else float("nan")


def structure_figures(windows: np.ndarray) -> dict[str, float]:
    """The structure figures of a set of 16-bar melody windows."""
    return {"bar_repeat_share": bar_repeat_share(windows), "key_kept_share": key_kept_share(windows)}


def onsets_by_bar(converter, windows: np.ndarray, decoded: np.ndarray,
                  steps_per_bar: int = STEPS_PER_BAR) -> list[float]:
    """Share of each bar's note onsets that `decoded` reproduces (NaN for a bar with none in
    any window): bar k pooled over the windows."""
    windows, decoded = np.asarray(windows), np.asarray(decoded)
    bars = windows.shape[1] // steps_per_bar
    shape = (len(windows), bars, steps_per_bar)
    onsets = converter.starts_event(windows).reshape(shape)
    kept = (onsets & (decoded == windows).reshape(shape)).sum(axis=(0, 2))
    counts = onsets.sum(axis=(0, 2))
    return [float(k / n) if n else float("nan") for k, n in zip(kept, counts)]


def posterior_use(model, windows: np.ndarray, decoded_from_mu: np.ndarray, seed: int = 0,
                  batch_size: int = 256) -> dict[str, float]:
    """Onsets kept decoding the windows from their own mu (`decoded_from_mu`, greedy) against
    decoding them from a random z ~ N(0, I) (greedy), and their ratio."""
    windows = np.asarray(windows, np.int64)
    rng = np.random.default_rng(seed)
    decoded = []
    for start in range(0, len(windows), batch_size):
        count = len(windows[start:start + batch_size])
        z = rng.standard_normal((count, model.z_size), dtype=np.float32)
        greedy, _ = model.decode(z, temperature=0.0, keep_logits=False)
        decoded.append(np.asarray(greedy))
    converter = model.config.converter
    own = onset_accuracy(converter, windows, decoded_from_mu)
    random = onset_accuracy(converter, windows, np.concatenate(decoded).astype(np.int64))
    return {"onset_accuracy_from_mu": own, "onset_accuracy_from_random_z": random,
            "posterior_use_ratio": own / random if random > 0 else float("inf")}
