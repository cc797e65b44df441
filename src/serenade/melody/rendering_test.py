import numpy as np
import pytest
from note_seq import midi_io

from serenade.conversion import converter_for_config
from serenade.melody.rendering import windows_to_note_sequence

from testing.fixtures import MAGENTA_FIXTURE_NAMES, expected_windows, magenta_fixture


def test_events_become_notes():
    window = np.zeros(32, np.int16)
    window[0], window[4], window[6], window[8], window[30] = 41, 43, 1, 41, 45  # C4 D4 off C4 .. E4
    sequence = windows_to_note_sequence(window, qpm=60.0, velocity=70, program=5)
    notes = [(n.pitch, n.start_time, n.end_time, n.velocity, n.program) for n in sequence.notes]
    assert notes == [(60, 0.0, 1.0, 70, 5), (62, 1.0, 1.5, 70, 5), (60, 2.0, 7.5, 70, 5),
                     (64, 7.5, 8.0, 70, 5)]
    assert sequence.tempos[0].qpm == 60.0 and sequence.total_time == 8.0


def test_several_windows_follow_one_another():
    window = np.zeros(32, np.int16)
    window[0] = 41
    sequence = windows_to_note_sequence(np.stack([window, window]))
    assert [(n.start_time, n.end_time) for n in sequence.notes] == [(0.0, 4.0), (4.0, 8.0)]


@pytest.mark.parametrize("fixture", MAGENTA_FIXTURE_NAMES)
def test_windows_survive_note_sequence_and_midi_round_trip(fixture, tmp_path):
    info = magenta_fixture(fixture)
    converter = converter_for_config(info["config"])
    checked = 0
    for index, case in enumerate(info["cases"]):
        for k, window in enumerate(expected_windows(fixture, index, converter.window_steps)):
            if not (window[:converter.steps_per_bar] >= 2).any():
                continue  # a first bar without a note-on starts a melody a bar later
            back = converter.to_windows(converter.to_note_sequence(window))
            np.testing.assert_array_equal(back, window[None])
            if k == 0:
                path = converter.to_midi(window, tmp_path / f"{index}.mid", qpm=90, velocity=100,
                                         program=24)
                read = midi_io.midi_file_to_note_sequence(str(path))
                assert {n.velocity for n in read.notes} == {100}
                assert {n.program for n in read.notes} == {24}
                assert read.tempos[0].qpm == pytest.approx(90, rel=1e-5)  # MIDI stores microseconds per beat
                np.testing.assert_array_equal(converter.to_windows(read), window[None])
            checked += 1
    assert checked > 20


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="0..89"):
        windows_to_note_sequence(np.array([90]))
    with pytest.raises(ValueError, match="velocity"):
        windows_to_note_sequence(np.zeros(4, int), velocity=0)
