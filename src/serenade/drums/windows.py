"""Cut drum tracks into windows; magenta's duplicate removal, order and caps.

Every drum track is sliced into windows of `slice_bars` bars with a hop of one
bar (a 5-bar track gives four 2-bar windows); nothing is cleaned inside a
window. Duplicates are removed within each piece of the sequence.

Which windows magenta keeps, and in which order, depends on its mode:
- eval/infer (not training): the first `max_tensors_per_notesequence` (5) of
  each piece's distinct windows in the iteration order of a Python `set` of
  event tuples, then the first 5 over the whole sequence. `magenta_order`
  reproduces that order: the events are rebuilt as magenta holds them (tuples
  of frozensets of class indices) and put through a `set` in the same
  insertion order, so CPython iterates them as it does in magenta.
- train: a random subset of at most 5 per piece, then over the sequence.
Serenade's own inference takes every window, in time order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from serenade.drums.encoding import classes_of


@dataclass(frozen=True)
class DrumWindow:
    """One window of step masks and where it came from."""

    events: tuple[int, ...]
    piece: int
    start_step: int  # within the piece
    track: int  # index of the drum track within the piece


def slice_track(events: Sequence[int], window_steps: int,
                hop_steps: int) -> list[tuple[int, tuple[int, ...]]]:
    """(offset, window) for every full window, the last one ending at the track's end or before."""
    return [(end - window_steps, tuple(events[end - window_steps:end]))
            for end in range(window_steps, len(events) + 1, hop_steps)]


def magenta_order(windows: Sequence[DrumWindow]) -> list[DrumWindow]:
    """Distinct windows in the order magenta's `list(set(event_tuples))` gives them.

    `windows` must be in magenta's slicing order (track by track, then by offset).
    """
    by_key: dict[tuple[frozenset[int], ...], DrumWindow] = {}
    keys = []
    for window in windows:
        key = tuple(classes_of(mask) for mask in window.events)
        by_key.setdefault(key, window)
        keys.append(key)
    return [by_key[key] for key in set(keys)]


def first_at_most(items: Sequence, limit: int | None) -> list:
    """The first `limit` items (all of them without a limit): magenta's non-training cap."""
    return list(items) if not limit else list(items[:limit])
