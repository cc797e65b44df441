"""The drum converters, by the names the drum configs give (`serenade.registry.drums`):
magenta's configs.py, data side only.

Every drum config converts 2-bar windows at 4 steps per quarter from drum tracks cut
to 100 bars, with a one-bar gap ending a track, at most 5 windows per sequence when
training, and no augmentation. They differ in the pitch classes and the encoding:

| config                  | classes      | input (roll + none) | output              |
|-------------------------|--------------|---------------------|---------------------|
| cat-drums_2bar_small    | 9 (reduced)  | 10                  | one-hot 512         |
| cat-drums_2bar_big      | 9 (reduced)  | 10                  | one-hot 512         |
| nade-drums_2bar_reduced | 9 (reduced)  | 10                  | roll 9 (multi-label)|
| nade-drums_2bar_full    | 61 (full GM) | 62                  | roll 61             |

`cat-drums_2bar_tiny`, `nade-drums_2bar_tiny` and `nade-drums_2bar_full_tiny` are ours: small
models for tests, converted as their full-size namesakes. magenta's DrumsConverter arguments
(the rest are its defaults: gap_bars=1.0, quarters_per_bar=4, max_tensors_per_notesequence=5,
presplit_on_time_changes=True, add_end_token=False, pad_to_total_time=False) are checked
against these in `configs_test.py`.
"""

from __future__ import annotations

from serenade.drums.classes import FULL, REDUCED
from serenade.drums.converter import DrumsConverter

CAT_DRUMS_2BAR = DrumsConverter(max_bars=100, slice_bars=2, steps_per_quarter=4,
                                pitch_classes=REDUCED, roll_input=True)
NADE_DRUMS_2BAR_REDUCED = DrumsConverter(max_bars=100, slice_bars=2, steps_per_quarter=4,
                                         pitch_classes=REDUCED, roll_input=True,
                                         roll_output=True)
NADE_DRUMS_2BAR_FULL = DrumsConverter(max_bars=100, slice_bars=2, steps_per_quarter=4,
                                      pitch_classes=FULL, roll_input=True, roll_output=True)

CONVERTERS: dict[str, DrumsConverter] = {
    "cat_drums_2bar": CAT_DRUMS_2BAR,
    "nade_drums_2bar_reduced": NADE_DRUMS_2BAR_REDUCED,
    "nade_drums_2bar_full": NADE_DRUMS_2BAR_FULL,
}
