"""Cut melodies into fixed-length windows, remove duplicates, cap the count.

magenta slices every melody into windows of `slice_bars` bars with a hop of
one bar (a 5-bar melody gives four 2-bar windows), cleans each window (note-
offs before its first note mean nothing there and become no-events), and
drops duplicate windows within each piece of the sequence. When training it
keeps a random subset of at most `max_tensors_per_notesequence`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from serenade.melody.events import RAW_NO_EVENT, RAW_NOTE_OFF


@dataclass(frozen=True)
class Window:
    """One window: raw events plus where it came from (for ordering and messages)."""

    events: tuple[int, ...]
    piece: int
    start_step: int  # within the piece
    instrument: int


def clean_leading_offs(events: Sequence[int]) -> tuple[int, ...]:
    """Note-offs before the first note of a window are turned into no-events."""
    cleaned = list(events)
    for i, event in enumerate(cleaned):
        if event >= 0:
            break
        if event == RAW_NOTE_OFF:
            cleaned[i] = RAW_NO_EVENT
    return tuple(cleaned)


def slice_melody(events: Sequence[int], window_steps: int, hop_steps: int) -> list[tuple[int, tuple[int, ...]]]:
    """(offset, window) for every full window, the last one ending at the melody's end or before."""
    return [(end - window_steps, clean_leading_offs(events[end - window_steps:end]))
            for end in range(window_steps, len(events) + 1, hop_steps)]


def dedupe(windows: Iterable[Window]) -> list[Window]:
    """First occurrence of each distinct event tuple, order kept."""
    seen: set[tuple[int, ...]] = set()
    unique = []
    for window in windows:
        if window.events not in seen:
            seen.add(window.events)
            unique.append(window)
    return unique


def sample_at_most(items: Sequence, limit: int | None, rng: np.random.Generator) -> list:
    """A random subset of at most `limit` items (all of them when there are few enough).

    The chosen items keep their relative order.
    """
    if not limit or len(items) <= limit:
        return list(items)
    chosen = np.sort(rng.choice(len(items), size=limit, replace=False))
    return [items[i] for i in chosen]
