"""The drum part of a trio: one of 512 classes per step (which of 9 drum classes strike).

magenta's trio converter encodes its drum track as its drums converter does with a
one-hot output: each GM drum pitch belongs to one of 9 classes (kick, snare, closed
hi-hat, open hi-hat, low / mid / high tom, crash, ride: note-seq's
`DEFAULT_DRUM_TYPE_PITCHES`); a step's event is the set of classes struck at that
step, encoded as the integer whose bit i says whether class i strikes (0 = silence,
511 = all nine). Pitches outside the classes and velocity-0 notes are ignored, note
lengths do not matter. Decoding plays the first pitch of each class (36 kick, 38 snare,
42, 46, 45, 48, 50, 49, 51) for one step.

`DrumEncoding` is the small interface the trio converter needs; `NINE_CLASS_DRUMS` is
the only encoding magenta's configs use. A full drum-roll converter (`serenade.drums`)
can provide the same three members and be passed to `TrioConverter(drums=...)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from note_seq.drums_encoder_decoder import DEFAULT_DRUM_TYPE_PITCHES

from serenade.melody.pieces import QuantizedNote


class DrumEncoding(Protocol):
    """What the trio converter needs from a drum encoding."""

    num_classes: int

    def class_of(self, pitch: int) -> int | None:
        """Drum class of a MIDI drum pitch; None for pitches the encoding ignores."""

    def encode_step(self, classes: Iterable[int]) -> int:
        """Event index of the drum classes struck together at one step."""

    def decode_step(self, index: int) -> tuple[int, ...]:
        """MIDI pitches to play for an event index (ascending)."""


@dataclass(frozen=True)
class MultiDrumClasses:
    """Drum classes given as lists of pitches; event index = bit mask of the classes struck."""

    pitch_classes: tuple[tuple[int, ...], ...]
    _by_pitch: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_pitch: dict[int, int] = {}
        for index, pitches in enumerate(self.pitch_classes):
            for pitch in pitches:
                by_pitch[pitch] = index  # a later class wins, as magenta's map
        object.__setattr__(self, "_by_pitch", by_pitch)

    @property
    def num_classes(self) -> int:
        return 2 ** len(self.pitch_classes)

    def class_of(self, pitch: int) -> int | None:
        return self._by_pitch.get(pitch)

    def encode_step(self, classes: Iterable[int]) -> int:
        return sum(1 << c for c in set(classes))

    def decode_step(self, index: int) -> tuple[int, ...]:
        if not 0 <= index < self.num_classes:
            raise ValueError(f"drum event {index} is outside 0..{self.num_classes - 1}")
        return tuple(sorted(pitches[0] for bit, pitches in enumerate(self.pitch_classes)
                            if index >> bit & 1))


NINE_CLASS_DRUMS = MultiDrumClasses(tuple(tuple(p) for p in DEFAULT_DRUM_TYPE_PITCHES))


def drum_part(notes: Sequence[QuantizedNote], total_steps: int,
              encoding: DrumEncoding = NINE_CLASS_DRUMS) -> np.ndarray | None:
    """Event indices [total_steps] of one drum track, or None when it has no usable note.

    As magenta's drums converter with no gap limit and padding to the piece's length:
    a step's event is the classes of the (drum, velocity > 0, known pitch) notes that
    start there.
    """
    struck: dict[int, set[int]] = {}
    for note in notes:
        if not note.is_drum or not note.velocity:
            continue
        drum_class = encoding.class_of(note.pitch)
        if drum_class is None:
            continue
        struck.setdefault(note.start, set()).add(drum_class)
    if not struck:
        return None
    part = np.zeros(total_steps, dtype=np.int16)
    for step, classes in struck.items():
        if step < total_steps:
            part[step] = encoding.encode_step(classes)
    return part


def drum_notes(part: Sequence[int], encoding: DrumEncoding = NINE_CLASS_DRUMS
               ) -> list[tuple[int, int]]:
    """(step, pitch) of every hit of a decoded drum part, in time then pitch order."""
    return [(step, pitch) for step, index in enumerate(np.asarray(part).tolist())
            for pitch in encoding.decode_step(int(index))]
