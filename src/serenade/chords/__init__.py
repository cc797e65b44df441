"""Chord-conditioned melody data: chord symbols read or inferred per step, the triad
one-hot encoding, and the melody converter whose windows carry them as controls
(magenta's `cat-mel_2bar_med_chords`).
"""

from __future__ import annotations

import warnings

# note-seq imports pydub, which warns about a missing ffmpeg we never use.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)

from serenade.chords.converter import ChordMelodyConverter, ChordWindow  # noqa: E402

__all__ = ["ChordMelodyConverter", "ChordWindow"]
