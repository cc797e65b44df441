"""Chord-conditioned melody converter for each config name (magenta's configs.py, data side).

`cat-mel_2bar_med_chords`: 2-bar melody windows of every program (no 0..31 filter, unlike
the unconditioned 2-bar configs), melodies cut to 100 bars, triad chord controls,
transposition by -3..3 semitones when training. `_tiny`: the small model variant for tests,
its data converted as its full-size namesake's.
"""

from __future__ import annotations

from note_seq.protobuf import music_pb2

from serenade.chords.converter import ChordMelodyConverter
from serenade.melody.converter import MelodyConverter

MEL_2BAR_CHORDS = ChordMelodyConverter(MelodyConverter(
    slice_bars=2, valid_programs=None, max_bars=100, transpose_range=(-3, 3)))

CONVERTERS: dict[str, ChordMelodyConverter] = {
    "cat-mel_2bar_med_chords": MEL_2BAR_CHORDS,
    "cat-mel_2bar_med_chords_tiny": MEL_2BAR_CHORDS,
}

CONFIG_NAMES: tuple[str, ...] = tuple(CONVERTERS)


def converter_for_config(name: str) -> ChordMelodyConverter:
    """The converter a chord-conditioned config uses; ValueError naming the known ones."""
    try:
        return CONVERTERS[name]
    except KeyError:
        raise ValueError(f"unknown chord-conditioned config {name!r}; known: "
                         f"{', '.join(CONFIG_NAMES)}") from None


def count_windows(sequence: music_pb2.NoteSequence, config_name: str) -> int:
    """How many windows inference would extract (every window, no cap)."""
    return len(converter_for_config(config_name).windows_with_origin(sequence))
