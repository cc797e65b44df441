"""GrooVAE models in the generation jobs: a chosen window of a drum performance (what the
interpolation and journey jobs encode) and how close decodes are to performances.

A GrooVAE window is float [T, 3 * drums] (hits, velocities, offsets; `serenade.groove`), not
class indices, so it has its own selection beside `selection.select_window`: the drum notes of
the file (pitched tracks are ignored, as the groove jobs read them) in "infer" mode (the
General MIDI classes a user's file has), one part, windows end to end. The strategies are
`generate.window`'s: `first`, `most_notes` (the most hits) and `track_bar` (its bar; the drums
are track 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.generation.selection import NoMelodyError, WindowChoice, read_input
from serenade.groove import jobs, quality
from serenade.groove.converter import GrooveConverter, UnmappedDrumPitch

DRUM_TRACK = 0  # the one part a GrooVAE window reads (every drum note, merged)


@dataclass(frozen=True)
class GrooveWindow:
    """The chosen window of an input: the encoder's view and the performance it came from."""

    name: str
    events: np.ndarray  # float32 [T, input_depth]: what the encoder reads
    performance: np.ndarray  # float32 [T, 3 * drums]: the input as played
    bar: int
    qpm: float
    available: int
    bars: int
    track: int = DRUM_TRACK
    controls: None = None  # no chords (the walks' interface)

    def describe(self) -> str:
        return (f"{self.name}: drums, bars {self.bar}-{self.bar + self.bars - 1} "
                f"(one of {self.available} windows)")


def select_groove_window(sequence: music_pb2.NoteSequence, converter: GrooveConverter,
                         choice: WindowChoice, name: str) -> GrooveWindow:
    """The window `choice` picks from the drums of `sequence`; NoMelodyError naming `name`
    and why there is none (no drums, a pitch in no class, not 4/4...)."""
    drums = jobs.drum_notes(sequence)
    try:
        tensors = converter.to_tensors(drums, "infer", rng=np.random.RandomState(0))
    except UnmappedDrumPitch as error:
        raise NoMelodyError(f"{name}: {error}") from None
    if not len(tensors):
        why = converter.explain(drums, "infer") if drums.notes else "no drum notes"
        raise NoMelodyError(f"{name}: no {converter.split_bars}-bar drum window ({why})")
    bars = converter.split_bars
    if choice.strategy == "first":
        index = 0
    elif choice.strategy == "most_notes":
        hits = tensors.outputs[..., :converter.num_drums] > quality.HIT_THRESHOLD
        index = int(np.argmax(hits.sum(axis=(1, 2))))  # the first of equal counts
    else:
        index = choice.bar // bars if choice.bar % bars == 0 else -1
        if choice.track != DRUM_TRACK or not 0 <= index < len(tensors):
            raise NoMelodyError(
                f"{name}: a GrooVAE window is the drums (track {DRUM_TRACK}) at bars 0, {bars}, "
                f"... up to {bars * (len(tensors) - 1)}; got track {choice.track}, bar {choice.bar}")
    return GrooveWindow(name, tensors.inputs[index], tensors.outputs[index], index * bars,
                        jobs.qpm_of(sequence), len(tensors), bars)


def select_groove_from_file(path: str | Path, converter: GrooveConverter, choice: WindowChoice,
                            name: str | None = None) -> GrooveWindow:
    """Read a MIDI file and select a window; errors name the input (`name`, default the path)."""
    name = name or str(path)
    return select_groove_window(read_input(path, name), converter, choice, name)


def hit_match(performances: np.ndarray, decoded: np.ndarray) -> float:
    """Hit F1 of decodes against the performances they encode (the walks' endpoint match:
    how much of each input's groove its waypoint keeps)."""
    return quality.compare(np.asarray(performances), np.asarray(decoded), 1.0)["hit_f1"]
