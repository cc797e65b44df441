import pytest

from serenade.chords import encoding, voicing


@pytest.mark.parametrize("figure, expected", [
    ("C", [48, 52, 55]), ("Am", [57, 60, 64]), ("Bbaug", [58, 62, 66]), ("F#dim", [54, 57, 60]),
    ("G7", [55, 59, 62]),  # a seventh plays its triad, as the model reads it
])
def test_close_position_triads_from_a_root_in_the_third_octave(figure, expected):
    assert voicing.pitches(encoding.encode_chord(figure)) == expected


def test_no_chord_is_silent():
    assert voicing.pitches(encoding.encode_chord("N.C.")) == []
    with pytest.raises(ValueError, match="outside"):
        voicing.pitches(encoding.NUM_CLASSES)


def test_chords_move_an_octave_down_under_a_low_melody():
    assert voicing.octave_under([72, 74, 76]) == 0  # a soprano line: chords in C3-B3
    assert voicing.octave_under([]) == 0
    assert voicing.octave_under([55, 57, 60]) == -1  # a tenor line
    assert voicing.pitches(encoding.encode_chord("C"), -1) == [36, 40, 43]
