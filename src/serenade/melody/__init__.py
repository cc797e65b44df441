"""Melody data converter with magenta's MusicVAE semantics.

NoteSequence -> model windows of 90-class melody events (and back), window
extraction rules as magenta's `OneHotMelodyConverter`, training augmentation,
diagnostics that say why a sequence or a track yields nothing.
"""

from __future__ import annotations

import warnings

# note-seq imports pydub, which warns about a missing ffmpeg we never use.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)

from serenade.melody.converter import MelodyConverter  # noqa: E402

__all__ = ["MelodyConverter"]
