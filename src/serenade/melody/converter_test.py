"""MelodyConverter against magenta's own output (the shared fixtures) and its rules."""

import numpy as np
import pytest
from note_seq import midi_io
from note_seq.protobuf import music_pb2

from serenade.conversion import converter_for_config
from serenade.melody.converter import MelodyConverter

from testing.fixtures import MAGENTA_FIXTURE_NAMES, expected_windows, magenta_fixture
from testing.music_files import scale_melody, write_midi_tracks


def rows(array):
    return {tuple(row) for row in np.asarray(array).tolist()}


def fixture_cases():
    for name in MAGENTA_FIXTURE_NAMES:
        info = magenta_fixture(name)
        for index, case in enumerate(info["cases"]):
            yield pytest.param(name, info["config"], index, case,
                               id=f"{name}-{index}-{case['path'].stem}")


@pytest.mark.parametrize("fixture, config, index, case", list(fixture_cases()))
def test_windows_equal_magentas_as_a_set(fixture, config, index, case):
    converter = converter_for_config(config)
    sequence = midi_io.midi_file_to_note_sequence(str(case["path"]))
    windows = converter.to_windows(sequence)
    expected = expected_windows(fixture, index, converter.window_steps)
    assert windows.shape == (case["num_windows"], converter.window_steps)
    assert windows.dtype == np.int16
    assert rows(windows) == rows(expected)
    assert len(rows(windows)) == len(windows)  # distinct
    assert (converter.explain(sequence) == "") == (case["num_windows"] > 0)


def test_inference_order_is_chronological_then_track():
    converter = converter_for_config("cat-mel_2bar_small")
    info = magenta_fixture("cat-mel_2bar_small")
    sequence = midi_io.midi_file_to_note_sequence(str(info["cases"][11]["path"]))  # 4-voice chorale
    windows = converter.windows_with_origin(sequence)
    keys = [(w.piece, w.start_step, w.instrument) for w in windows]
    assert keys == sorted(keys)
    assert len({w.instrument for w in windows}) == 4
    assert rows(converter.to_windows(sequence)) == rows([converter._stack([w.events])[0]
                                                        for w in windows])


def test_training_takes_a_random_subset_of_at_most_five():
    converter = MelodyConverter(slice_bars=2, valid_programs=range(32))  # no transposition
    sequence = midi_io.midi_file_to_note_sequence(
        str(magenta_fixture("cat-mel_2bar_small")["cases"][11]["path"]))
    every = rows(converter.to_windows(sequence))
    rng = np.random.default_rng(3)
    draws = [converter.to_windows(sequence, training=True, rng=rng) for _ in range(20)]
    assert all(d.shape == (5, 32) and rows(d) <= every and len(rows(d)) == 5 for d in draws)
    assert len({frozenset(rows(d)) for d in draws}) > 10
    # same seed, same draw
    again = converter.to_windows(sequence, training=True, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(again, draws[0])


def test_training_transposes_within_the_configs_range():
    converter = converter_for_config("cat-mel_2bar_small")
    assert converter.transpose_range == (-5, 5)
    sequence = music_pb2.NoteSequence()
    sequence.tempos.add(qpm=120)
    # one 2-bar melody of repeated C4 eighths: every window is the same but for its pitch
    for i in range(16):
        sequence.notes.add(pitch=60, velocity=80, start_time=i * 0.25, end_time=i * 0.25 + 0.25)
    sequence.total_time = 4.0
    [base] = converter.to_windows(sequence)
    rng = np.random.default_rng(0)
    shifts = set()
    for _ in range(200):
        [window] = converter.to_windows(sequence, training=True, rng=rng)
        shift = int(window[0]) - int(base[0])
        np.testing.assert_array_equal(np.where(base >= 2, base + shift, base), window)
        shifts.add(shift)
    assert shifts == set(range(-5, 6))


def test_training_drops_notes_pushed_out_of_midi_range():
    converter = MelodyConverter(slice_bars=2, transpose_range=(5, 5))
    sequence = music_pb2.NoteSequence()
    sequence.tempos.add(qpm=120)
    for i in range(16):  # alternate a note that goes to 129 with C4
        sequence.notes.add(pitch=124 if i % 2 else 60, velocity=80, start_time=i * 0.25,
                           end_time=i * 0.25 + 0.25)
    sequence.total_time = 4.0
    [window] = converter.to_windows(sequence, training=True, rng=np.random.default_rng(1))
    assert set(window.tolist()) == {2 + 65 - 21, 1, 0}


def test_multi_track_file_explains_each_silent_track(tmp_path):
    path = write_midi_tracks(tmp_path / "band.mid", [
        {"name": "Lead", "program": 0, "notes": scale_melody(4)},
        {"name": "Kit", "is_drum": True, "notes": [(36, i * 0.5, i * 0.5 + 0.1) for i in range(16)]},
        {"name": "Strings", "program": 48, "notes": scale_melody(4, first_pitch=55)},
        {"name": "Sub", "program": 1, "notes": [(15, i * 1.0, i * 1.0 + 0.9) for i in range(8)]},
        {"name": "Stab", "program": 2, "notes": [(72, 0.0, 0.5), (74, 4.0, 4.5)]},
    ])
    sequence = midi_io.midi_file_to_note_sequence(str(path))
    converter = converter_for_config("cat-mel_2bar_small")
    report = converter.analyze(sequence)
    reasons = {track.name: reason for track, reason in report.track_reasons()}
    assert set(reasons) == {"Kit", "Strings", "Sub", "Stab"}
    assert "drum" in reasons["Kit"]
    assert "program 48 is outside 0..31" in reasons["Strings"]
    assert "pitch range 21..108" in reasons["Sub"]
    assert "too short" in reasons["Stab"] and "1 bar" in reasons["Stab"]
    assert report.windows == len(converter.to_windows(sequence)) == 3  # 4 bars of Lead
    assert converter.explain(sequence) == ""
    # the 16-bar configs accept every program, but four bars are too few
    long_report = converter_for_config("hierdec-mel_16bar").analyze(sequence)
    assert "too short" in long_report.explain() and "Strings" in long_report.explain()


def test_explains_metre_and_empty_input(tmp_path):
    converter = converter_for_config("cat-mel_2bar_small")
    waltz = write_midi_tracks(tmp_path / "waltz.mid", [{"notes": scale_melody(4)}],
                              time_signature=(3, 4))
    sequence = midi_io.midi_file_to_note_sequence(str(waltz))
    assert len(converter.to_windows(sequence)) == 0
    assert "3/4" in converter.explain(sequence) and "12-step" in converter.explain(sequence)
    assert converter.explain(music_pb2.NoteSequence()) == "no notes"
    assert converter.to_windows(music_pb2.NoteSequence()).shape == (0, 32)


def test_metre_change_only_spoils_its_own_part(tmp_path):
    converter = converter_for_config("cat-mel_2bar_small")
    # 4 bars of 4/4 (8 s), then 3/4 from 8 s on
    path = write_midi_tracks(tmp_path / "change.mid", [{"notes": scale_melody(8)}],
                             time_signature_changes=[(8.0, 3, 4)])
    sequence = midi_io.midi_file_to_note_sequence(str(path))
    report = converter.analyze(sequence)
    assert [p.time_signature for p in report.pieces] == ["4/4", "3/4"]
    assert report.pieces[1].problem and not report.pieces[0].problem
    assert report.windows == 3


def test_input_sequence_is_not_modified():
    converter = converter_for_config("cat-mel_2bar_small")
    sequence = midi_io.midi_file_to_note_sequence(
        str(magenta_fixture("cat-mel_2bar_small")["cases"][1]["path"]))
    sequence.notes.add(pitch=10, velocity=80, start_time=0, end_time=1)  # filtered out
    before = sequence.SerializeToString()
    converter.to_windows(sequence)
    converter.to_windows(sequence, training=True, rng=np.random.default_rng(0))
    assert sequence.SerializeToString() == before


def test_settings_are_validated():
    with pytest.raises(ValueError, match="pitch range"):
        MelodyConverter(slice_bars=2, min_pitch=0)
    with pytest.raises(ValueError, match="transpose"):
        MelodyConverter(slice_bars=2, transpose_range=(3, -3))
