"""Which window of an arbitrary MIDI file a generation job uses.

A user's file may be long, have several tracks, drums, or several tempos. The model's converter
cuts it into every window it can (`located_windows`, inference order: by start time, then
track); a strategy picks one, so no file is refused for not being "exactly 2 bars on one track":

- `first`: the earliest window (ties: the lowest track number);
- `most_notes`: the window with the most onsets (note-ons, or steps with a drum hit; ties: the
  earliest);
- `track_bar`: the window of track `track` starting at bar `bar`.

Tracks are note-seq instrument numbers (what `serenade extract` reports); bars count from the
start of the file, 0-based, in the file's own bars. A drum model's windows merge every drum track
and carry the number of the first one. A trio model's windows carry their melody track's number
(magenta's order: piece, then each melody-bass-drums combination of tracks, then bar), and
`most_notes` counts the onsets of all three parts. A file with no usable window fails with a
`NoMelodyError` naming it and saying why (the converter's diagnostics).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.config_schema import schema_default
from serenade.conversion.protocol import WindowConverter

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
    events: np.ndarray  # class indices [window_steps]
    track: int
    bar: int  # bar of the file where the window starts (0-based)
    qpm: float  # the file's tempo at that point
    available: int  # how many windows the file gives
    bars: int  # bars the window spans (`window_bars`)
    controls: np.ndarray | None = None  # control classes [window_steps] (its chords), if any

    def describe(self) -> str:
        return (f"{self.name}: track {self.track}, bars {self.bar}-"
                f"{self.bar + self.bars - 1} (one of {self.available} windows)")


def window_bars(converter: WindowConverter) -> int:
    """Bars one window spans: the converter's `slice_bars` where it has one (a multiperf
    window's rows are events of 8 tracks, not time steps), else its steps over a bar's."""
    return getattr(converter, "slice_bars", None) or converter.window_steps // converter.steps_per_bar


def _no_window_error(name: str, converter: WindowConverter, sequence) -> NoMelodyError:
    names = converter.part_names
    what = {("melody",): "melody", ("drums",): "drum part"}.get(
        tuple(names), f"{', '.join(names[:-1])} and {names[-1]} together")
    reason = converter.explain(sequence) or "no window found"
    bars = window_bars(converter)
    return NoMelodyError(f"{name}: no usable {what} for {bars}-bar windows: {reason}")


def select_window(sequence: music_pb2.NoteSequence, converter: WindowConverter,
                  choice: WindowChoice, name: str) -> SelectedWindow:
    """The window `choice` picks from `sequence`; NoMelodyError naming `name` otherwise."""
    candidates = converter.located_windows(sequence)
    bars = window_bars(converter)
    if not candidates:
        raise _no_window_error(name, converter, sequence)
    if choice.strategy == "first":
        index = 0
    elif choice.strategy == "most_notes":
        counts = [int(converter.starts_event(c.events).sum()) for c in candidates]
        index = int(np.argmax(counts))  # argmax takes the first of equal counts
    else:
        on_track = [i for i, c in enumerate(candidates) if c.track == choice.track]
        if not on_track:
            tracks = sorted({c.track for c in candidates})
            why = converter.analyze(sequence).why_track(choice.track)
            raise NoMelodyError(f"{name}: track {choice.track} gives no {bars}-bar window ({why}); "
                                f"tracks with windows: {', '.join(map(str, tracks))}")
        matching = [i for i in on_track if candidates[i].bar == choice.bar]
        if not matching:
            starts = sorted({candidates[i].bar for i in on_track})
            shown = ", ".join(map(str, starts[:20])) + (", ..." if len(starts) > 20 else "")
            raise NoMelodyError(f"{name}: no {bars}-bar window of track {choice.track} starts at "
                                f"bar {choice.bar}; windows of that track start at bars {shown}")
        index = matching[0]
    chosen = candidates[index]
    return SelectedWindow(name, chosen.events, chosen.track, chosen.bar, chosen.qpm,
                          len(candidates), bars, chosen.controls)


def read_input(path: str | Path, name: str) -> music_pb2.NoteSequence:
    """An input MIDI file as a NoteSequence; a file that cannot be read is a NoMelodyError
    naming the input (`name`)."""
    from serenade.base.midi_parser import read_midi

    try:
        return read_midi(path)
    except ValueError as error:
        raise NoMelodyError(f"{name}: {error}") from None


def select_from_file(path: str | Path, converter: WindowConverter, choice: WindowChoice,
                     name: str | None = None) -> SelectedWindow:
    """Read a MIDI file and select a window; errors name the input (`name`, default the path)."""
    name = name or str(path)
    return select_window(read_input(path, name), converter, choice, name)


def select_passage(sequence: music_pb2.NoteSequence, converter: WindowConverter, choice: WindowChoice, name: str,
                   max_windows: int) -> list[SelectedWindow]:
    """The chosen window and the windows that follow it back to back on the same track
    (non-overlapping, at most `max_windows`): "this piece" for attribute edits."""
    first = select_window(sequence, converter, choice, name)
    by_start = {}
    for located in converter.located_windows(sequence):
        by_start.setdefault((located.track, located.bar), located)
    bars = window_bars(converter)
    passage = [first]
    while len(passage) < max_windows:
        bar = passage[-1].bar + bars
        located = by_start.get((first.track, bar))
        if located is None:
            break
        passage.append(SelectedWindow(name, located.events, first.track, bar, first.qpm,
                                      first.available, bars, located.controls))
    return passage
