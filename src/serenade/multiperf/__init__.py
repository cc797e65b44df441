"""Multi-instrument performance converter with magenta's MusicVAE semantics
(`MultiInstrumentPerformanceConverter`, the `hier-multiperf_vel_1bar_*` configs).

NoteSequence -> one-bar windows of up to 8 instruments, each a performance event track
(program token, note-on/off, time shift, velocity, end token), optionally with a triad chord per
event as control, and back to a NoteSequence with velocities.
"""

from __future__ import annotations

import warnings

# note-seq imports pydub, which warns about a missing ffmpeg we never use.
warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)

from serenade.multiperf.converter import (MultiPerformanceConverter,  # noqa: E402
                                          MultiPerformanceWindow)
from serenade.multiperf.diagnostics import MultiPerformanceReport  # noqa: E402

__all__ = ["MultiPerformanceConverter", "MultiPerformanceReport", "MultiPerformanceWindow"]
