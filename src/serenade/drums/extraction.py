"""Drum tracks from a quantized piece, with the rules of magenta's `extract_drum_tracks`.

(note-seq's `DrumTrack.from_quantized_sequence`, with DrumsConverter's settings
min_bars=1, pad_end=True, the config's gap_bars and max_bars.)

- Drum notes of every instrument together make one stream: unlike melodies,
  drums are not extracted per track. Non-drum notes, notes of velocity 0 and
  pitches outside the pitch classes are ignored; hits starting on the same step
  merge into one event (the set of their classes).
- A drum track starts at the bar line at or before its first hit (leading empty
  bars are dropped) and ends when the next hit comes `gap_bars` bars or more
  after the step following the previous hit (16 empty steps split a 4/4 track,
  15 do not). It is padded with empty steps to a whole bar.
- The next track is searched from the bar line where the previous one ended.
- Tracks shorter than `min_bars` are dropped; longer than `max_steps` ones are
  cut to `max_steps` rounded down to a whole bar (the next search still starts
  after the uncut track).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from serenade.drums.classes import PitchClasses
from serenade.melody.pieces import QuantizedNote


@dataclass
class DrumTrack:
    """Step masks (bit c = class c hit) starting at `start_step`, a bar line."""

    start_step: int
    events: list[int]

    @property
    def end_step(self) -> int:
        return self.start_step + len(self.events)


def drum_hits(notes: Iterable[QuantizedNote], pitch_classes: PitchClasses) -> dict[int, int]:
    """{start step: mask of the classes hit there} for the drum notes a converter keeps."""
    hits: dict[int, int] = {}
    for note in notes:
        if not note.is_drum or not note.velocity:
            continue
        drum_class = pitch_classes.class_of(note.pitch)
        if drum_class is None:
            continue
        hits[note.start] = hits.get(note.start, 0) | (1 << drum_class)
    return hits


def extract_drum_tracks(hits: dict[int, int], steps_per_bar: int, *, gap_bars: float | None = 1.0,
                        min_bars: int = 1, max_steps: int | None = None,
                        pad_end: bool = True) -> list[DrumTrack]:
    """Drum tracks of one piece, in time order (`hits` as from `drum_hits`)."""
    gap_steps = gap_bars * steps_per_bar if gap_bars else float("inf")
    onsets = sorted(hits)
    tracks: list[DrumTrack] = []
    search = 0
    first = 0  # index into onsets of the first hit at or after `search`
    while True:
        while first < len(onsets) and onsets[first] < search:
            first += 1
        if first >= len(onsets):
            break
        start = onsets[first] - (onsets[first] - search) % steps_per_bar
        events: list[int] = []
        for step in onsets[first:]:
            index = step - start
            if events and index - len(events) >= gap_steps:
                break
            events.extend([0] * (index + 1 - len(events)))
            events[index] = hits[step]
        if pad_end:
            events.extend([0] * (-len(events) % steps_per_bar))
        end = start + len(events)
        search = end + (search - end) % steps_per_bar
        if len(events) < steps_per_bar * min_bars:
            continue
        if max_steps is not None and len(events) > max_steps:
            keep = max_steps - (max_steps % steps_per_bar if pad_end else 0)
            del events[keep:]
        tracks.append(DrumTrack(start, events))
    return tracks
