import numpy as np
import pytest

from serenade.conversion import converter_for_config
from serenade.conversion.reconstruction import no_event_share, onset_accuracy, step_accuracy
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


def test_multi_instrument_padding_is_not_counted():
    """A performance window is mostly padding past its tracks' ends: neither the accuracy nor
    its baseline may count those rows (a performance has no 'no event' class: baseline 0)."""
    from note_seq import midi_io

    from testing.fixtures import PROJECT_MAGENTA_FIXTURES

    converter = converter_for_config("hier-multiperf_vel_1bar_med")
    sequence = midi_io.midi_file_to_note_sequence(
        str(PROJECT_MAGENTA_FIXTURES / "multiperf" / "cases" / "bwv153.1.mid"))
    windows = np.asarray(converter.to_windows(sequence))
    padding = windows < 0
    assert padding.mean() > 0.5  # most rows of a chorale bar's 8 x 64 are padding
    assert no_event_share(converter, windows) == 0.0
    wrong = np.where(padding, windows, windows + 1)  # every event row wrong, padding kept
    assert step_accuracy(windows, wrong) == 0.0
    assert step_accuracy(windows, windows) == 1.0
