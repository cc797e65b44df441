"""The melody converters, by the names the melody configs give (`serenade.registry.melody`):
magenta's configs.py, data side only.

2-bar melody configs keep programs 0..31 (piano, chromatic percussion, organ,
guitar) and transpose by -5..5 when training; 16-bar ones accept every program
and do not augment. The `_tiny` names are small model variants for tests and
quick runs; their data is converted exactly as their full-size namesakes'.
"""

from __future__ import annotations

from serenade.melody.converter import MelodyConverter

MELODY_PROGRAMS = range(0, 32)

MEL_2BAR = MelodyConverter(slice_bars=2, valid_programs=MELODY_PROGRAMS, max_bars=100,
                           transpose_range=(-5, 5))
MEL_16BAR = MelodyConverter(slice_bars=16, valid_programs=None, max_bars=100)

CONVERTERS: dict[str, MelodyConverter] = {"mel_2bar": MEL_2BAR, "mel_16bar": MEL_16BAR}
