"""GrooVAE's data converter with magenta's semantics (GrooveConverter).

Drum performances (NoteSequences with velocities and micro-timing) -> windows of per-step hits,
velocities and offsets for each drum class (the encoder's inputs, changed by humanize, tapify,
fixed velocities, note dropout or added instruments; the decoder's outputs; the hits as
controls) -> back to NoteSequences with velocities and micro-timing. The model (magenta's
GrooveLstmDecoder) is `serenade.models.groove`; the configs are `serenade.registry.groove`.
"""

from __future__ import annotations

import warnings

# note-seq imports pydub, which warns about a missing ffmpeg we never use.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)

from serenade.groove.converter import (GrooveConverter, GrooveGrid, GrooveTensors,  # noqa: E402
                                       UnmappedDrumPitch)

__all__ = ["GrooveConverter", "GrooveGrid", "GrooveTensors", "UnmappedDrumPitch"]
