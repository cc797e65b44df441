"""The GrooVAE converters, by magenta's config names (configs.py, data side only).

Every GrooVAE config converts at 4 steps per quarter, 4 quarters per bar, with the Roland
TD-11 pitch classes of the Groove MIDI Dataset when training and the reduced (General MIDI)
classes when inferring, 9 classes either way: inputs and outputs are [T, 27] (hit, velocity,
offset per class), `max_tensors_per_notesequence=20` (unused by magenta's GrooveConverter).
They differ in the window and in what the encoder sees:

| config                                       | bars | encoder input                  | controls |
|----------------------------------------------|------|--------------------------------|----------|
| groovae_4bar                                 | 4    | the performance                |          |
| groovae_2bar_humanize                        | 2    | hits (no velocity, no offset)  |          |
| groovae_2bar_tap_fixed_velocity              | 2    | a tap per step on class 3      |          |
| groovae_2bar_tap_fixed_velocity_note_dropout | 2    | taps after dropout (p <= 0.8)  |          |
| groovae_2bar_add_closed_hh                   | 2    | no closed hi-hat (class 2)     |          |
| groovae_2bar_hits_control_tfds               | 2    | the performance                | hits [9] |

A tap has the hit and offset of the step's loudest class and no velocity.

Checked against magenta's own converters in `configs_test.py` and
`tests/test_groove_parity.py`. The registry's groove entries (`serenade.registry.groove`) name
them; their model is `serenade.models.groove` (magenta's GrooveLstmDecoder).
"""

from __future__ import annotations

from serenade.drums.classes import REDUCED, ROLAND
from serenade.groove.converter import GrooveConverter

_COMMON = dict(steps_per_quarter=4, quarters_per_bar=4, max_tensors_per_notesequence=20,
               pitch_classes=ROLAND, inference_pitch_classes=REDUCED)

GROOVAE_4BAR = GrooveConverter(split_bars=4, **_COMMON)
GROOVAE_2BAR_HUMANIZE = GrooveConverter(split_bars=2, humanize=True, **_COMMON)
GROOVAE_2BAR_TAP_FIXED_VELOCITY = GrooveConverter(split_bars=2, tapify=True,
                                                  fixed_velocities=True, **_COMMON)
GROOVAE_2BAR_TAP_FIXED_VELOCITY_NOTE_DROPOUT = GrooveConverter(
    split_bars=2, tapify=True, fixed_velocities=True, max_note_dropout_probability=0.8,
    **_COMMON)
GROOVAE_2BAR_ADD_CLOSED_HH = GrooveConverter(split_bars=2, add_instruments=(2,), **_COMMON)
GROOVAE_2BAR_HITS_CONTROL = GrooveConverter(split_bars=2, hits_as_controls=True, **_COMMON)

CONVERTERS: dict[str, GrooveConverter] = {
    "groovae_4bar": GROOVAE_4BAR,
    "groovae_2bar_humanize": GROOVAE_2BAR_HUMANIZE,
    "groovae_2bar_tap_fixed_velocity": GROOVAE_2BAR_TAP_FIXED_VELOCITY,
    "groovae_2bar_tap_fixed_velocity_note_dropout": GROOVAE_2BAR_TAP_FIXED_VELOCITY_NOTE_DROPOUT,
    "groovae_2bar_add_closed_hh": GROOVAE_2BAR_ADD_CLOSED_HH,
    "groovae_2bar_hits_control_tfds": GROOVAE_2BAR_HITS_CONTROL,
}
