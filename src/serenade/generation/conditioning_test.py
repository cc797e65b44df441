import numpy as np
import pytest

from serenade.chords.encoding import decode_chord
from serenade.conversion import converter_for_config
from serenade.generation import conditioning

CHORDS = converter_for_config("cat-mel_2bar_med_chords")


def test_a_progression_is_spread_over_the_window():
    classes = conditioning.parse_progression(CHORDS, "C, Am F G")
    assert classes.shape == (32,)
    assert [decode_chord(int(c)) for c in classes[::8]] == ["C", "Am", "F", "G"]


@pytest.mark.parametrize("text, message", [
    ("", "generate.chords: a chord progression is required"),
    ("C Fsus4", "generate.chords 'C Fsus4': chord 'Fsus4' cannot be encoded"),
])
def test_a_progression_it_cannot_use_is_refused_naming_the_setting(text, message):
    with pytest.raises(ValueError, match=message):
        conditioning.parse_progression(CHORDS, text, "generate.chords")


def test_windows_without_chords_stack_to_none():
    assert conditioning.stacked([None, None]) is None
    assert conditioning.stacked([np.zeros(4), np.ones(4)]).shape == (2, 4)
