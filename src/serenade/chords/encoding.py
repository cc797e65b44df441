"""Triad one-hot chord encoding: 49 classes (no chord, 12 roots x major/minor/aug/dim).

What magenta's `cat-mel_2bar_med_chords` conditions on (note-seq's
`TriadChordOneHotEncoding`): 0 = "N.C.", 1 + root = major, 13 + root = minor, 25 + root =
augmented, 37 + root = diminished (root 0 = C). Chords are reduced to their triad
(C7 -> C, Am7 -> Am); chords with no such triad (sus, power chords) cannot be encoded.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from note_seq import chord_symbols_lib
from note_seq.chords_encoder_decoder import ChordEncodingError, TriadChordOneHotEncoding

_TRIADS = TriadChordOneHotEncoding()
NUM_CLASSES = _TRIADS.num_classes  # 49


class UnencodableChord(ValueError):
    """A chord symbol that is not a standard triad or cannot be parsed."""


def encode_chord(figure: str) -> int:
    try:
        return _TRIADS.encode_event(figure)
    except (ChordEncodingError, chord_symbols_lib.ChordSymbolError) as error:
        raise UnencodableChord(f"chord {figure!r} cannot be encoded as a triad ({error})") from None


def encode_chords(figures: Iterable[str]) -> np.ndarray:
    """Chord figures -> class indices, int16."""
    return np.asarray([encode_chord(f) for f in figures], dtype=np.int16).reshape(-1)


def decode_chord(index: int) -> str:
    if not 0 <= index < NUM_CLASSES:
        raise ValueError(f"chord class {index} is outside 0..{NUM_CLASSES - 1}")
    return _TRIADS.decode_event(int(index))


def one_hot(classes: np.ndarray) -> np.ndarray:
    """Class indices [...] -> bool [..., 49] (the model's control tensors)."""
    return np.eye(NUM_CLASSES, dtype=bool)[np.asarray(classes)]


_TRIAD_INTERVALS = ((0, 4, 7), (0, 3, 7), (0, 4, 8), (0, 3, 6))  # major, minor, aug, dim


def triad(index: int) -> tuple[int, tuple[int, ...]] | None:
    """(root pitch class, intervals above the root) of chord class `index`; None for N.C."""
    if not 0 <= index < NUM_CLASSES:
        raise ValueError(f"chord class {index} is outside 0..{NUM_CLASSES - 1}")
    if index == 0:
        return None
    quality, root = divmod(index - 1, 12)
    return root, _TRIAD_INTERVALS[quality]


def _tone_table() -> np.ndarray:
    table = np.zeros((NUM_CLASSES, 12), bool)
    for index in range(1, NUM_CLASSES):
        root, intervals = triad(index)
        table[index, [(root + interval) % 12 for interval in intervals]] = True
    return table


TONES = _tone_table()  # bool [49, 12]: the pitch classes of each chord class (none for N.C.)
TONES.flags.writeable = False
