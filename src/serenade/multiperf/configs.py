"""The multi-instrument performance converters, by the names the configs give: magenta's
configs.py `hier-multiperf_vel_1bar_*`, data side only.

All four convert one-bar windows (`hop_size_bars=1`, one chunk) at 24 steps per quarter of 2 to
8 instruments, each at most 64 events (program and end token included), with 8 velocity bins;
`_med` and `_big` differ only in the model (as do `_med_chords` and `_big_chords`), whose
converter adds a triad chord per event as control (`chord_encoding=TriadChordOneHotEncoding()`).
magenta trains them with transposition by -3..3 semitones (its `NoteSequenceAugmenter`, applied
before the converter): `transpose_range` here, used by training draws only.
"""

from __future__ import annotations

from serenade.multiperf.converter import MultiPerformanceConverter

MULTIPERF_VEL_1BAR = MultiPerformanceConverter(num_velocity_bins=8, hop_size_bars=1,
                                               max_num_instruments=8,
                                               max_events_per_instrument=64,
                                               transpose_range=(-3, 3))
MULTIPERF_VEL_1BAR_CHORDS = MultiPerformanceConverter(num_velocity_bins=8, hop_size_bars=1,
                                                      max_num_instruments=8,
                                                      max_events_per_instrument=64, chords=True,
                                                      transpose_range=(-3, 3))

CONVERTERS: dict[str, MultiPerformanceConverter] = {
    "multiperf_vel_1bar": MULTIPERF_VEL_1BAR,
    "multiperf_vel_1bar_chords": MULTIPERF_VEL_1BAR_CHORDS,
}

# magenta's config -> its converter's name here (for the registry entries, once the model exists)
CONFIG_CONVERTERS: dict[str, str] = {
    "hier-multiperf_vel_1bar_med": "multiperf_vel_1bar",
    "hier-multiperf_vel_1bar_big": "multiperf_vel_1bar",
    "hier-multiperf_vel_1bar_med_chords": "multiperf_vel_1bar_chords",
    "hier-multiperf_vel_1bar_big_chords": "multiperf_vel_1bar_chords",
}
