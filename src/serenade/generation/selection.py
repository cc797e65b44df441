"""Which window of an arbitrary MIDI file a generation job uses.

A user's file may be long, have several tracks, drums, or several tempos. The converter cuts it
into every window it can (serenade.melody, inference order: by start time, then track); a
strategy picks one, so no file is refused for not being "exactly 2 bars on one track":

- `first`: the earliest window (ties: the lowest track number);
- `most_notes`: the window with the most note onsets (ties: the earliest);
- `track_bar`: the window of track `track` starting at bar `bar`.

Tracks are note-seq instrument numbers (what `serenade extract` reports); bars count from the
start of the file, 0-based, in the file's own bars. A file with no usable melody fails with a
`NoMelodyError` naming it and saying why (the converter's diagnostics).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.config_schema import schema_default
from serenade.melody import events as ev

STRATEGIES = ("first", "most_notes", "track_bar")


class NoMelodyError(ValueError):
    """The input gives no window the strategy can use (the message says which input and why)."""


@dataclass(frozen=True)
class WindowChoice:
    """A window-selection strategy and its arguments."""

    strategy: str = schema_default("generate.window")
    track: int | None = None
    bar: int | None = None

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown window strategy {self.strategy!r}; use one of "
                             f"{', '.join(STRATEGIES)}")
        if self.strategy == "track_bar" and (self.track is None or self.bar is None):
            raise ValueError("window strategy track_bar needs both `track` and `bar`")
        if self.bar is not None and self.bar < 0:
            raise ValueError(f"bar must be >= 0, got {self.bar}")

    @classmethod
    def from_config(cls, value: str | Mapping[str, Any] | None) -> "WindowChoice":
        """From config: a strategy name, or {strategy, track, bar}."""
        if value is None:
            return cls()
        if isinstance(value, str):
            return cls(value)
        return cls(value.get("strategy", cls.strategy), value.get("track"), value.get("bar"))

    def describe(self) -> str:
        if self.strategy == "track_bar":
            return f"track {self.track}, bar {self.bar}"
        return self.strategy.replace("_", " ")


@dataclass(frozen=True)
class SelectedWindow:
    """The chosen window of an input and where it came from."""

    name: str  # the input as the user wrote it (path or source:path)
    events: np.ndarray  # int16 [window_steps]
    track: int
    bar: int  # bar of the file where the window starts (0-based)
    qpm: float  # the file's tempo at that point
    available: int  # how many windows the file gives

    def describe(self) -> str:
        return (f"{self.name}: track {self.track}, bars {self.bar}-"
                f"{self.bar + self.bars - 1} (one of {self.available} windows)")

    @property
    def bars(self) -> int:
        return len(self.events) // 16


def first_tempo(sequence: music_pb2.NoteSequence, default: float = 120.0) -> float:
    if not sequence.tempos:
        return default
    return float(min(sequence.tempos, key=lambda tempo: tempo.time).qpm)


def _candidates(sequence: music_pb2.NoteSequence, converter) -> list[tuple[np.ndarray, int, int, float]]:
    """(events, track, bar, qpm) of every window, in the converter's inference order."""
    windows = converter.windows_with_origin(sequence)
    if not windows:
        return []
    pieces = converter.analyze(sequence).pieces
    # bars before each piece: pieces have their own tempo and metre, so count them one by one
    offsets, bars_so_far = {}, 0.0
    for piece in pieces:
        offsets[piece.index] = (round(bars_so_far), piece.qpm)
        seconds_per_bar = 60.0 / piece.qpm * piece.numerator * 4.0 / piece.denominator
        bars_so_far += (piece.end_time - piece.start_time) / seconds_per_bar
    result = []
    for window in windows:
        offset, qpm = offsets.get(window.piece, (0, first_tempo(sequence)))
        result.append((ev.encode(window.events), window.instrument,
                       offset + window.start_step // converter.steps_per_bar, qpm))
    return result


def select_window(sequence: music_pb2.NoteSequence, converter, choice: WindowChoice,
                  name: str) -> SelectedWindow:
    """The window `choice` picks from `sequence`; NoMelodyError naming `name` otherwise."""
    candidates = _candidates(sequence, converter)
    bars = converter.slice_bars
    if not candidates:
        reason = converter.explain(sequence) or "no melody window found"
        raise NoMelodyError(f"{name}: no usable melody for {bars}-bar windows: {reason}")
    if choice.strategy == "first":
        index = 0
    elif choice.strategy == "most_notes":
        counts = [int((events >= ev.FIRST_NOTE_ON).sum()) for events, *_ in candidates]
        index = int(np.argmax(counts))  # argmax takes the first of equal counts
    else:
        on_track = [i for i, (_, track, _, _) in enumerate(candidates) if track == choice.track]
        if not on_track:
            tracks = sorted({track for _, track, _, _ in candidates})
            analysis = converter.analyze(sequence)
            why = analysis.track_reason(analysis.tracks[choice.track]) \
                if choice.track in analysis.tracks else "there is no such track"
            raise NoMelodyError(f"{name}: track {choice.track} gives no {bars}-bar window ({why}); "
                                f"tracks with windows: {', '.join(map(str, tracks))}")
        matching = [i for i in on_track if candidates[i][2] == choice.bar]
        if not matching:
            starts = sorted({candidates[i][2] for i in on_track})
            shown = ", ".join(map(str, starts[:20])) + (", ..." if len(starts) > 20 else "")
            raise NoMelodyError(f"{name}: no {bars}-bar window of track {choice.track} starts at "
                                f"bar {choice.bar}; windows of that track start at bars {shown}")
        index = matching[0]
    events, track, bar, qpm = candidates[index]
    return SelectedWindow(name, events, track, bar, qpm, len(candidates))


def select_from_file(path: str | Path, converter, choice: WindowChoice,
                     name: str | None = None) -> SelectedWindow:
    """Read a MIDI file and select a window; errors name the input (`name`, default the path)."""
    from serenade.base.midi_parser import read_midi

    name = name or str(path)
    try:
        sequence = read_midi(path)
    except ValueError as error:
        raise NoMelodyError(f"{name}: {error}") from None
    return select_window(sequence, converter, choice, name)


def select_passage(sequence: music_pb2.NoteSequence, converter, choice: WindowChoice, name: str,
                   max_windows: int) -> list[SelectedWindow]:
    """The chosen window and the windows that follow it back to back on the same track
    (non-overlapping, at most `max_windows`): "this piece" for attribute edits."""
    first = select_window(sequence, converter, choice, name)
    by_start = {(track, bar): events for events, track, bar, _ in _candidates(sequence, converter)}
    passage = [first]
    while len(passage) < max_windows:
        bar = passage[-1].bar + converter.slice_bars
        events = by_start.get((first.track, bar))
        if events is None:
            break
        passage.append(SelectedWindow(name, events, first.track, bar, first.qpm, first.available))
    return passage
