import pytest
from note_seq import drums_encoder_decoder

from serenade.drums.classes import FULL, REDUCED, ROLAND, PitchClasses


def test_reduced_is_note_seqs_default_drum_map():
    assert [list(c) for c in REDUCED.classes] == drums_encoder_decoder.DEFAULT_DRUM_TYPE_PITCHES
    assert REDUCED.num_classes == 9
    assert [REDUCED.exemplar(c) for c in range(9)] == [36, 38, 42, 46, 45, 48, 50, 49, 51]
    assert REDUCED.class_of(35) == 0 and REDUCED.class_of(22) == 2 and REDUCED.class_of(26) == 3
    assert REDUCED.class_of(88) is None and REDUCED.class_of(21) is None


def test_full_has_one_class_per_gm_percussion_pitch():
    assert FULL.num_classes == 61
    assert FULL.pitches == frozenset(range(27, 88))
    assert all(len(c) == 1 for c in FULL.classes)
    assert FULL.class_of(36) == 0 and FULL.class_of(35) == 1 and FULL.exemplar(2) == 38
    assert FULL.class_of(22) is None and FULL.class_of(26) is None
    # the same pitches as the reduced map regrouped, without 22 and 26
    assert FULL.pitches == REDUCED.pitches - {22, 26}


def test_roland_map_and_validation():
    assert ROLAND.num_classes == 9 and ROLAND.class_of(58) == 4 and ROLAND.exemplar(1) == 38
    with pytest.raises(ValueError):
        PitchClasses("bad", ((36,), ()))
    with pytest.raises(ValueError):
        PitchClasses("bad", ((128,),))
