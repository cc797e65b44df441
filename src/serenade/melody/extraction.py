"""Monophonic melody extraction from one track of a quantized piece.

The rules are those of magenta's `extract_melodies` over note-seq's
`Melody.from_quantized_sequence` (with MusicVAE's settings: keep the highest
note where several start together, pad melodies to whole bars):

- notes are visited by start step, highest pitch first;
- a melody starts at the bar holding its first note, so leading empty bars
  are dropped;
- a later note overwrites whatever the melody holds from its start on (a
  shorter overlapping note cuts the sustain of a longer one);
- a melody ends when a note starts `gap_bars` bars or more after the last
  note-off; the next melody is searched from the next bar line;
- drum notes and notes of velocity 0 are skipped;
- melodies shorter than `min_bars` are dropped, longer ones are cut to
  `max_steps` (whole bars) before slicing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from serenade.melody.events import RAW_NO_EVENT, RAW_NOTE_OFF
from serenade.melody.pieces import QuantizedNote


@dataclass
class Melody:
    """Raw melody events (pitch, RAW_NOTE_OFF, RAW_NO_EVENT) starting at `start_step`."""

    instrument: int
    start_step: int
    events: list[int]

    @property
    def end_step(self) -> int:
        return self.start_step + len(self.events)


@dataclass
class TrackMelodies:
    """What one track gave: its melodies and what was set aside, for diagnostics."""

    melodies: list[Melody]
    too_short: int = 0  # melodies dropped for being shorter than min_bars
    truncated: int = 0  # melodies cut to max_steps
    skipped_drums: int = 0
    skipped_silent: int = 0  # velocity-0 notes


def _extend(events: list[int], length: int) -> None:
    """Lengthen with no-events; a note still sounding at the old end is ended there."""
    old = len(events)
    if length <= old:
        return
    events.extend([RAW_NO_EVENT] * (length - old))
    for i in range(old - 1, -1, -1):
        if events[i] == RAW_NOTE_OFF:
            break
        if events[i] != RAW_NO_EVENT:
            events[old] = RAW_NOTE_OFF
            break


def _last_on_off(events: list[int]) -> tuple[int, int]:
    """Index of the last note-on, and of the first note-off after it (len if none)."""
    last_off = len(events)
    for i in range(len(events) - 1, -1, -1):
        if events[i] == RAW_NOTE_OFF:
            last_off = i
        elif events[i] >= 0:
            return i, last_off
    raise ValueError("melody holds no note")


def _one_melody(notes: Sequence[QuantizedNote], first: int, search_start: int,
                steps_per_bar: int, gap_steps: float, stats: TrackMelodies
                ) -> tuple[list[int], int]:
    """One melody from notes[first:] (sorted); returns (events, start step)."""
    # The bar is taken from the first candidate even if it is a drum or silent
    # note, exactly as note-seq does.
    start_step = notes[first].start - (notes[first].start - search_start) % steps_per_bar
    events: list[int] = []
    for note in notes[first:]:
        if note.is_drum:
            stats.skipped_drums += 1
            continue
        if not note.velocity:
            stats.skipped_silent += 1
            continue
        begin, finish = note.start - start_step, note.end - start_step
        if finish <= begin:
            continue  # malformed note (ends before it starts); note-seq would raise
        if events:
            last_on, last_off = _last_on_off(events)
            if begin == last_on:
                continue  # a higher note already starts here
            if begin - last_off >= gap_steps:
                break  # silence long enough: the melody is over
        # Write the note: everything from its start on is replaced.
        if finish + 1 > len(events):
            _extend(events, finish + 1)
        else:
            del events[finish + 1:]
        events[begin] = note.pitch
        events[begin + 1:finish] = [RAW_NO_EVENT] * (finish - begin - 1)
        events[finish] = RAW_NOTE_OFF
    if events and events[-1] == RAW_NOTE_OFF:
        del events[-1]
    return events, start_step


def extract_track_melodies(notes: Sequence[QuantizedNote], steps_per_bar: int, *,
                           gap_bars: float = 1.0, min_bars: int = 1,
                           max_steps: int | None = None) -> TrackMelodies:
    """Every melody of one track (all `notes` share one instrument number)."""
    ordered = sorted(notes, key=lambda n: (n.start, -n.pitch))
    starts = [n.start for n in ordered]
    instrument = ordered[0].instrument if ordered else 0
    gap_steps = gap_bars * steps_per_bar if gap_bars else float("inf")
    result = TrackMelodies(melodies=[])
    search_start = 0
    while True:
        first = bisect_left(starts, search_start)
        if first == len(ordered):
            break
        events, start_step = _one_melody(ordered, first, search_start, steps_per_bar,
                                         gap_steps, result)
        if not events:
            break  # only drums or silent notes are left
        _extend(events, len(events) + (-len(events)) % steps_per_bar)  # pad to a bar line
        end_step = start_step + len(events)
        search_start = end_step + (-end_step) % steps_per_bar
        if len(events) < steps_per_bar * min_bars:
            result.too_short += 1
            continue
        if max_steps is not None and len(events) > max_steps:
            del events[max_steps - max_steps % steps_per_bar:]
            result.truncated += 1
        result.melodies.append(Melody(instrument, start_step, events))
    return result
