import numpy as np
import pytest

from serenade.conversion import converter_for_config
from serenade.conversion.reconstruction import no_event_share, onset_accuracy
from serenade.melody import events as ev

MEL = converter_for_config("cat-mel_2bar_small")


def test_onset_accuracy_counts_only_note_on_steps():
    c4, d4 = ev.note_on(60), ev.note_on(62)
    target = np.array([[c4, 0, 0, 0, d4, 0, ev.NOTE_OFF, 0]])
    all_holds = np.zeros_like(target)
    assert onset_accuracy(MEL, target, all_holds) == 0.0
    assert np.mean(all_holds == target) == 0.625  # all-step accuracy hides it
    half = target.copy()
    half[0, 4] = ev.note_on(64)
    assert onset_accuracy(MEL, target, half) == 0.5
    assert onset_accuracy(MEL, target, target) == 1.0
    assert np.isnan(onset_accuracy(MEL, np.zeros((1, 4)), np.zeros((1, 4))))
    with pytest.raises(ValueError, match="shape"):
        onset_accuracy(MEL, target, target[:, :4])


def test_no_event_share_is_the_always_hold_baseline():
    windows = np.array([[ev.note_on(60), 0, 0, ev.NOTE_OFF], [0, 0, ev.note_on(70), 0]])
    assert no_event_share(MEL, windows) == 5 / 8
