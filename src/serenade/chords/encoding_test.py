import numpy as np
import pytest

from serenade.chords.encoding import (NUM_CLASSES, UnencodableChord, decode_chord, encode_chords,
                                      one_hot)


def test_triad_classes():
    assert NUM_CLASSES == 49
    assert encode_chords(["N.C.", "C", "C#m", "Caug", "Bdim", "G7", "F#m7b5"]).tolist() == [
        0, 1, 14, 25, 48, 8, 43]
    assert [decode_chord(i) for i in (0, 1, 14, 25, 48)] == ["N.C.", "C", "C#m", "Caug", "Bdim"]
    assert one_hot(np.array([0, 48])).sum() == 2


def test_non_triads_cannot_be_encoded():
    with pytest.raises(UnencodableChord, match="Fsus4"):
        encode_chords(["C", "Fsus4"])
