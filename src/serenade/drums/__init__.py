"""Drum data converter with magenta's MusicVAE semantics (DrumsConverter).

NoteSequence -> 2-bar drum windows (step masks over drum pitch classes) -> the
tensors of the cat-drums (one-hot over 512 class combinations) and nade-drums
(multi-label roll) configs, and back to drum NoteSequences / MIDI.
"""

from __future__ import annotations

import warnings

# note-seq imports pydub, which warns about a missing ffmpeg we never use.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)

from serenade.drums.classes import FULL, REDUCED, ROLAND, PitchClasses  # noqa: E402
from serenade.drums.converter import DrumsConverter, DrumTensors  # noqa: E402

__all__ = ["DrumTensors", "DrumsConverter", "FULL", "PitchClasses", "REDUCED", "ROLAND"]
