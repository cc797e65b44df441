"""Melody data converter with magenta's MusicVAE semantics.

NoteSequence -> model windows of 90-class melody events (and back), window
extraction rules as magenta's `OneHotMelodyConverter`, training augmentation,
diagnostics that say why a sequence or a track yields nothing.
"""

from __future__ import annotations

import warnings

# note-seq imports pydub, which warns about a missing ffmpeg we never use.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)

from serenade.melody.configs import CONFIG_NAMES, converter_for_config, count_windows  # noqa: E402
from serenade.melody.converter import MelodyConverter  # noqa: E402

__all__ = ["CONFIG_NAMES", "MelodyConverter", "converter_for_config", "count_windows"]
