import numpy as np
import pytest
from note_seq import drums_encoder_decoder

from serenade.drums.encoding import (classes_of, from_one_hot, from_roll, mask_of, to_one_hot,
                                     to_roll, to_roll_input)


def test_masks_and_class_sets():
    assert mask_of([]) == 0 and mask_of([0]) == 1 and mask_of([0, 1]) == 3 and mask_of([8]) == 256
    assert classes_of(0) == frozenset() and classes_of(5) == {0, 2}
    assert classes_of(mask_of([3, 60])) == {3, 60}
    with pytest.raises(ValueError):
        classes_of(-1)


def test_one_hot_index_is_note_seqs_multi_drum_encoding():
    encoding = drums_encoder_decoder.MultiDrumOneHotEncoding(
        drum_type_pitches=[(i,) for i in range(9)])
    rng = np.random.default_rng(0)
    for _ in range(50):
        classes = frozenset(rng.choice(9, size=rng.integers(0, 5), replace=False).tolist())
        assert encoding.encode_event(classes) == mask_of(classes)
        assert encoding.decode_event(mask_of(classes)) == classes


def test_rolls_inputs_and_one_hot():
    window = np.array([0, 1, 3, 256, 511])
    roll = to_roll(window, 9)
    assert roll.shape == (5, 9) and roll.dtype == bool
    assert roll[0].sum() == 0 and roll[2, :2].all() and roll[3, 8] and roll[4].all()
    inputs = to_roll_input(window, 9)
    assert inputs.shape == (5, 10) and inputs[:, 9].tolist() == [True, False, False, False, False]
    one_hot = to_one_hot(window[None], 9)
    assert one_hot.shape == (1, 5, 512) and (np.argmax(one_hot, -1) == window).all()
    assert (from_roll(roll) == window).all() and (from_one_hot(one_hot)[0] == window).all()
    assert from_roll(roll.astype(np.float32)).tolist() == window.tolist()
    with pytest.raises(ValueError):
        to_roll([512], 9)
    with pytest.raises(ValueError):
        to_one_hot([512], 9)


def test_61_classes_fit_int64():
    window = np.array([mask_of([60]), mask_of(range(61))], dtype=np.int64)
    roll = to_roll(window, 61)
    assert roll[0, 60] and roll[0].sum() == 1 and roll[1].all()
    assert (from_roll(roll) == window).all()
