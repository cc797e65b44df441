"""The chord-conditioned melody converter, by the name the chord configs give
(`serenade.registry.chords`): magenta's configs.py, data side only.

`cat-mel_2bar_med_chords`: 2-bar melody windows of every program (no 0..31 filter, unlike
the unconditioned 2-bar configs), melodies cut to 100 bars, triad chord controls,
transposition by -3..3 semitones when training. `_tiny`: the small model variant for tests,
its data converted as its full-size namesake's.
"""

from __future__ import annotations

from serenade.chords.converter import ChordMelodyConverter
from serenade.melody.converter import MelodyConverter

MEL_2BAR_CHORDS = ChordMelodyConverter(MelodyConverter(
    slice_bars=2, valid_programs=None, max_bars=100, transpose_range=(-3, 3)))

CONVERTERS: dict[str, ChordMelodyConverter] = {"mel_2bar_chords": MEL_2BAR_CHORDS}
