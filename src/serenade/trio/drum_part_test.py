import pytest
from note_seq.drums_encoder_decoder import MultiDrumOneHotEncoding

from serenade.melody.pieces import QuantizedNote
from serenade.trio.drum_part import NINE_CLASS_DRUMS, drum_notes, drum_part


def hit(pitch, start, velocity=100, is_drum=True):
    return QuantizedNote(9, 0, is_drum, pitch, velocity, start, start + 1)


def test_event_indices_are_note_seqs_multi_drum_one_hot():
    reference = MultiDrumOneHotEncoding()
    for pitches in [(), (36,), (35, 38), (42, 46, 49), (51, 45, 48, 50, 36, 38, 42, 46, 49)]:
        classes = [NINE_CLASS_DRUMS.class_of(p) for p in pitches]
        assert NINE_CLASS_DRUMS.encode_step(classes) == reference.encode_event(frozenset(pitches))
    for index in (0, 1, 5, 300, 511):
        assert set(NINE_CLASS_DRUMS.decode_step(index)) == set(reference.decode_event(index))
    assert NINE_CLASS_DRUMS.num_classes == 512
    with pytest.raises(ValueError):
        NINE_CLASS_DRUMS.decode_step(512)


def test_part_ignores_unknown_pitches_silent_and_pitched_notes():
    notes = [hit(36, 0), hit(38, 0), hit(42, 2), hit(127, 4), hit(36, 6, velocity=0),
             hit(60, 8, is_drum=False)]
    part = drum_part(notes, 16)
    assert part.tolist()[:9] == [3, 0, 4, 0, 0, 0, 0, 0, 0]
    assert drum_part([hit(127, 0)], 16) is None
    assert drum_notes(part) == [(0, 36), (0, 38), (2, 42)]
