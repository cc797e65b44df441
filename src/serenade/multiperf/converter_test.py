"""MultiPerformanceConverter: round trips, sizes and why a file gives no windows (parity with
magenta itself is fixtures_test.py)."""

import numpy as np
import pytest
from note_seq.protobuf import music_pb2

from serenade.multiperf import MultiPerformanceConverter
from serenade.multiperf.configs import CONVERTERS
from serenade.paths import REPO_ROOT

PLAIN = CONVERTERS["multiperf_vel_1bar"]
CHORDS = CONVERTERS["multiperf_vel_1bar_chords"]
BAR = 2.0  # seconds at 120 qpm
CHORD_SYMBOL = music_pb2.NoteSequence.TextAnnotation.CHORD_SYMBOL
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "magenta" / "multiperf" / "expected.npz"


def sequence(notes, chords=()):
    """notes: (instrument, program, is_drum, pitch, velocity, start, end)."""
    ns = music_pb2.NoteSequence(ticks_per_quarter=220)
    ns.tempos.add(qpm=120.0)
    ns.time_signatures.add(numerator=4, denominator=4)
    for instrument, program, is_drum, pitch, velocity, start, end in notes:
        ns.notes.add(instrument=instrument, program=program, is_drum=is_drum, pitch=pitch,
                     velocity=velocity, start_time=start, end_time=end)
        ns.total_time = max(ns.total_time, end)
    for time, text in chords:
        ns.text_annotations.add(time=time, text=text, annotation_type=CHORD_SYMBOL)
    return ns


# velocities at the centre of their bin (8 bins of 16: what decoding gives back)
BAND = [(0, 0, False, 60, 8 * 16 + 1 - 16, 0.0, 0.5), (0, 0, False, 64, 65, 0.5, 1.0),
        (0, 0, False, 67, 17, 1.0, 2.0),
        (1, 33, False, 36, 113, 0.0, 1.0), (1, 33, False, 43, 49, 1.0, 1.5),
        (2, 0, True, 36, 97, 0.0, 0.25), (2, 0, True, 42, 33, 0.5, 0.75),
        (0, 0, False, 62, 81, 2.0, 3.0), (1, 33, False, 38, 1, 2.5, 4.0),
        (2, 0, True, 38, 113, 3.0, 3.25)]


def notes_of(ns):
    return sorted((n.program, n.is_drum, n.pitch, n.velocity, round(n.start_time, 6),
                   round(n.end_time, 6)) for n in ns.notes)


def test_sizes_of_the_configs():
    assert PLAIN.num_event_classes == 360 and PLAIN.end_token == 489 and PLAIN.depth == 490
    assert PLAIN.window_steps == 512 and PLAIN.num_tracks == 8 and PLAIN.steps_per_bar == 96
    assert PLAIN.control_depth == 0 and CHORDS.control_depth == 49
    assert PLAIN.program_token(0, True) == 488 and PLAIN.program_token(33, False) == 393


def test_notes_round_trip_with_programs_drums_and_velocities():
    windows = PLAIN.to_windows(sequence(BAND))
    assert windows.shape == (2, 512) and windows.dtype == np.int16
    # tracks sorted by (drums last, program): piano 0, bass 33, drums; 5 empty slots
    tracks = windows.reshape(2, 8, 64)
    assert [int(t[0]) for t in tracks[0, :3]] == [360, 393, 488]
    assert (tracks[:, 3:, 0] == PLAIN.end_token).all() and (tracks[:, 3:, 1:] == -1).all()
    np.testing.assert_array_equal(PLAIN.lengths(windows)[:, 3:], 1)
    decoded = PLAIN.to_note_sequence(windows)
    want = [(program, is_drum, pitch, velocity, start, end)
            for _, program, is_drum, pitch, velocity, start, end in BAND]
    assert notes_of(decoded) == sorted(want)
    assert {n.instrument for n in decoded.notes if n.is_drum} == {2}


def test_windows_round_trip_through_note_sequences():
    with np.load(FIXTURE) as expected:
        windows = np.concatenate([expected["plain1_windows"], expected["plain7_windows"]])
    for window, ns in zip(windows, PLAIN.from_windows(windows)):
        np.testing.assert_array_equal(PLAIN.to_windows(ns), window[None])


def test_one_hot_tensors_match_the_classes():
    windows = PLAIN.to_windows(sequence(BAND))
    tensors = PLAIN.one_hot(windows)
    assert tensors.shape == (2, 512, 490) and tensors.dtype == bool
    rows = tensors.sum(-1)
    np.testing.assert_array_equal(rows, windows >= 0)
    np.testing.assert_array_equal(np.where(rows == 1, tensors.argmax(-1), -1), windows)


def test_chords_become_a_control_per_event_and_come_back():
    ns = sequence(BAND, chords=[(0.0, "C"), (1.0, "Am"), (2.0, "N.C."), (3.0, "G")])
    windows, controls = CHORDS.to_windows(ns)
    np.testing.assert_array_equal(windows, PLAIN.to_windows(ns))
    assert controls.shape == windows.shape
    np.testing.assert_array_equal(controls >= 0, windows >= 0)
    assert CHORDS.controls(controls).shape == (2, 512, 49)
    decoded = CHORDS.to_note_sequence(windows, controls=controls)
    chords = [(ta.time, ta.text) for ta in decoded.text_annotations
              if ta.annotation_type == CHORD_SYMBOL]
    assert chords == [(0.0, "C"), (1.0, "Am"), (2.0, "N.C."), (3.0, "G")]
    assert notes_of(decoded) == notes_of(PLAIN.to_note_sequence(windows))


def test_one_instrument_gives_no_windows_and_says_why():
    ns = sequence([(0, 0, False, 60 + i, 90, i * 0.5, (i + 1) * 0.5) for i in range(16)])
    windows, report = PLAIN.extract(ns)
    assert windows.shape == (0, 512)
    reason = report.explain()
    assert "only 1 instrument" in reason and "at least 2 instruments" in reason
    assert PLAIN.explain(ns) == reason
    assert report.track_problems() == [f"track 0 (program 0): {reason}"]
    assert report.why_track(0) == reason and report.why_track(5) == "there is no such track"
    (none, _), _ = CHORDS.extract(ns)
    assert none.shape == (0, 512)


def test_instruments_that_never_meet_in_a_bar_give_no_windows():
    ns = sequence([(0, 0, False, 60, 90, 0.0, 1.0), (1, 40, False, 72, 90, 2.5, 3.0)])
    windows, report = PLAIN.extract(ns)
    assert len(windows) == 0
    assert report.explain() == ("fewer than 2 instruments play in the bar (1); a "
                                "multi-instrument window needs at least 2 (2 bars)")
    assert report.why_track(1) == report.explain()


def test_reasons_for_too_many_instruments_and_events():
    nine = sequence([(i, i, False, 50 + i, 90, 0.0, 1.0) for i in range(9)])
    assert PLAIN.explain(nine) == "more than 8 instruments play in the bar (9) (1 bar)"
    dense = sequence([(0, 0, False, 60, 90, i / 32, i / 32 + 1 / 64) for i in range(32)] +
                     [(1, 1, False, 50, 90, 0.0, 2.0)])
    assert PLAIN.explain(dense) == ("a track has more than 62 performance events in a 1-bar "
                                    "chunk (1 bar)")
    waltz = sequence([(0, 0, False, 60, 90, 0.0, 1.0), (1, 1, False, 50, 90, 0.0, 1.0)])
    waltz.time_signatures[0].numerator = 3
    assert PLAIN.explain(waltz).startswith("time signature 3/4 gives 72-step bars")


def test_windows_give_their_place_in_the_file_and_some_bars_give_none():
    ns = sequence(BAND + [(0, 0, False, 60, 90, 4.0, 5.0),  # bar 3: one instrument only
                          (0, 0, False, 60, 90, 6.0, 7.0), (1, 33, False, 40, 90, 6.0, 7.0)])
    located = PLAIN.located_windows(ns)
    assert [w.bar for w in located] == [0, 1, 3]
    assert all(w.track == 0 and w.qpm == 120.0 for w in located)
    windows, report = PLAIN.extract(ns)
    assert len(windows) == 3 and report.explain() == "" and report.track_problems() == []
    assert sum(report.bar_reasons.values()) == 1


def test_training_draw_keeps_at_most_the_cap():
    capped = MultiPerformanceConverter(num_velocity_bins=8, max_tensors_per_notesequence=1)
    drawn = capped.to_windows(sequence(BAND), training=True, rng=np.random.default_rng(0))
    assert drawn.shape == (1, 512)
    assert len(capped.to_windows(sequence(BAND))) == 2
    assert PLAIN.to_windows(sequence(BAND), training=True).shape == (2, 512)  # no cap
    chords = MultiPerformanceConverter(num_velocity_bins=8, max_tensors_per_notesequence=1,
                                       chords=True)
    ns = sequence(BAND, chords=[(0.0, "C")])
    windows, controls = chords.to_windows(ns, training=True, rng=np.random.default_rng(0))
    assert windows.shape == controls.shape == (1, 512)
    all_windows, all_controls = chords.to_windows(ns)
    row = next(i for i, w in enumerate(all_windows) if (w == windows[0]).all())
    np.testing.assert_array_equal(all_controls[row], controls[0])
    none = chords.to_windows(sequence([]), training=True, rng=np.random.default_rng(0))
    assert none[0].shape == none[1].shape == (0, 512)


def test_midi_round_trip(tmp_path):
    windows = PLAIN.to_windows(sequence(BAND))
    path = PLAIN.to_midi(windows, tmp_path / "band.mid")
    from note_seq import midi_io
    assert notes_of(midi_io.midi_file_to_note_sequence(str(path))) == \
        notes_of(PLAIN.to_note_sequence(windows))


def test_settings_are_checked():
    with pytest.raises(ValueError):
        MultiPerformanceConverter(hop_size_bars=0)
