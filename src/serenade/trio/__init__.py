"""Trio (melody + bass + drums) data converter with magenta's MusicVAE semantics.

NoteSequence -> 16-bar windows of three parts (90-class melody, 90-class bass,
512-class drums), window extraction as magenta's `TrioConverter`, decoding back to a
3-instrument NoteSequence, diagnostics that say why a file gives no trio window.
"""

from __future__ import annotations

import warnings

# note-seq imports pydub, which warns about a missing ffmpeg we never use.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)

from serenade.trio.converter import TrioConverter, TrioWindow  # noqa: E402
from serenade.trio.drum_part import NINE_CLASS_DRUMS, DrumEncoding  # noqa: E402

__all__ = ["NINE_CLASS_DRUMS", "DrumEncoding", "TrioConverter", "TrioWindow"]
