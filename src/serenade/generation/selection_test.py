import numpy as np
import pytest

from serenade.generation.selection import (NoMelodyError, WindowChoice, select_from_file)
from serenade.conversion import converter_for_config
from serenade.melody import events as ev
from serenade.paths import MAGENTA_FIXTURES

from testing.music_files import scale_melody, write_midi_tracks

CASES = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases"
TWO_BAR = converter_for_config("cat-mel_2bar_small")


@pytest.fixture
def band(tmp_path):
    """Drums, an out-of-range program, a sparse melody from bar 0 and a dense one from bar 3."""
    sparse = [(60 + 2 * i, 2.0 * i, 2.0 * i + 1.5) for i in range(4)]  # half notes, bars 0-3
    dense = scale_melody(2, first_pitch=67, start_bar=3)  # eighths, bars 3-4
    return write_midi_tracks(tmp_path / "band.mid", [
        {"notes": [(36, 0.5 * i, 0.5 * i + 0.1) for i in range(16)], "is_drum": True},
        {"notes": scale_melody(4, first_pitch=50), "program": 40, "name": "Violin"},
        {"notes": sparse, "program": 0, "name": "Piano"},
        {"notes": dense, "program": 1},
    ], qpm=120)


def test_first_most_notes_and_track_bar(band):
    first = select_from_file(band, TWO_BAR, WindowChoice("first"))
    assert (first.track, first.bar, first.qpm) == (2, 0, 120.0)
    assert ev.pitch_of(int(first.events[0])) == 60
    busy = select_from_file(band, TWO_BAR, WindowChoice("most_notes"))
    assert (busy.track, busy.bar) == (3, 3)
    assert int((busy.events >= ev.FIRST_NOTE_ON).sum()) == 16
    chosen = select_from_file(band, TWO_BAR, WindowChoice("track_bar", track=2, bar=1))
    assert (chosen.track, chosen.bar) == (2, 1)
    assert ev.pitch_of(int(chosen.events[0])) == 62
    assert first.available == busy.available == 4  # track 2: bars 0, 1, 2; track 3: bar 3
    assert "track 2, bars 0-1" in first.describe()


def test_track_bar_errors_say_what_exists(band):
    with pytest.raises(NoMelodyError, match=r"band.mid: track 1 gives no 2-bar window \(program 40"):
        select_from_file(band, TWO_BAR, WindowChoice("track_bar", track=1, bar=0))
    with pytest.raises(NoMelodyError, match="track 0 gives no 2-bar window .drum track"):
        select_from_file(band, TWO_BAR, WindowChoice("track_bar", track=0, bar=0))
    with pytest.raises(NoMelodyError, match="starts at bar 7; windows of that track start at bars 0, 1, 2"):
        select_from_file(band, TWO_BAR, WindowChoice("track_bar", track=2, bar=7))


def test_no_usable_melody_names_file_and_reason():
    with pytest.raises(NoMelodyError, match=r"GrapeVineTwiseJig_0.mid: no usable melody for "
                                            r"2-bar windows: time signature 2/4"):
        select_from_file(CASES / "GrapeVineTwiseJig_0.mid", TWO_BAR, WindowChoice())


def test_unreadable_file(tmp_path):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd nonsense")
    with pytest.raises(NoMelodyError, match="bad.mid: not a readable MIDI file"):
        select_from_file(bad, TWO_BAR, WindowChoice(), name="mine:bad.mid")


def test_real_file_matches_converter_order():
    path = CASES / "bwv244.44_0.mid"
    first = select_from_file(path, TWO_BAR, WindowChoice())
    from serenade.base.midi_parser import read_midi

    windows = TWO_BAR.to_windows(read_midi(path))
    np.testing.assert_array_equal(first.events, windows[0])
    busy = select_from_file(path, TWO_BAR, WindowChoice("most_notes"))
    counts = (windows >= ev.FIRST_NOTE_ON).sum(axis=1)
    assert int((busy.events >= ev.FIRST_NOTE_ON).sum()) == counts.max()


def test_choice_validation():
    assert WindowChoice.from_config("most_notes").strategy == "most_notes"
    assert WindowChoice.from_config({"strategy": "track_bar", "track": 1, "bar": 2}).bar == 2
    with pytest.raises(ValueError, match="needs both"):
        WindowChoice("track_bar", track=1)
    with pytest.raises(ValueError, match="unknown window strategy"):
        WindowChoice("loudest")


def test_passage_follows_the_track_back_to_back():
    from serenade.generation.selection import select_passage
    from serenade.base.midi_parser import read_midi

    sequence = read_midi(CASES / "bwv244.44_0.mid")
    passage = select_passage(sequence, TWO_BAR, WindowChoice(), "bach", max_windows=3)
    assert [w.bar for w in passage] == [passage[0].bar + 2 * k for k in range(len(passage))]
    assert len({w.track for w in passage}) == 1 and 1 <= len(passage) <= 3


def test_drum_windows_are_picked_from_the_merged_drum_part(tmp_path):
    from serenade.base.midi_parser import read_midi
    from serenade.generation.selection import select_passage
    from testing.fixtures import DRUM_FIXTURES

    drums = converter_for_config("cat-drums_2bar_small")
    path = DRUM_FIXTURES / "cases" / "4_tempo_change.mid"  # 6 bars at 100 qpm, 6 at 132
    windows = drums.to_windows(read_midi(path))
    first = select_from_file(path, drums, WindowChoice())
    np.testing.assert_array_equal(first.events, windows[0])
    assert (first.track, first.bar, first.available) == (0, 0, len(windows))
    assert first.qpm == pytest.approx(100.0)
    busy = select_from_file(path, drums, WindowChoice("most_notes"))
    assert int((busy.events != 0).sum()) == int((windows != 0).sum(axis=1).max())
    later = select_from_file(path, drums, WindowChoice("track_bar", track=0, bar=6))
    assert later.bar == 6 and later.qpm == pytest.approx(132.0, abs=1e-3)  # the second piece: bar 6
    with pytest.raises(NoMelodyError, match=r"track 1 gives no 2-bar window \(not drums"):
        select_from_file(path, drums, WindowChoice("track_bar", track=1, bar=0))
    funk = read_midi(DRUM_FIXTURES / "cases" / "1_funk_ghost.mid")
    passage = select_passage(funk, drums, WindowChoice(), "funk", max_windows=3)
    assert [w.bar for w in passage] == [0, 2, 4]
    with pytest.raises(NoMelodyError, match=r"5_waltz_3_4.mid: no usable drum part for 2-bar "
                                            r"windows: the sequence: time signature 3/4"):
        select_from_file(DRUM_FIXTURES / "cases" / "5_waltz_3_4.mid", drums, WindowChoice())


def test_trio_windows_are_picked_by_melody_track():
    from serenade.paths import REPO_ROOT

    trio = converter_for_config("hierdec-trio_16bar")
    cases = REPO_ROOT / "tests" / "fixtures" / "magenta" / "trio" / "cases"
    second = select_from_file(cases / "two_melodies.mid", trio, WindowChoice("track_bar", track=1, bar=2))
    assert second.events.shape == (256, 3) and (second.track, second.bar) == (1, 2)
    busy = select_from_file(cases / "pop_verse.mid", trio, WindowChoice("most_notes"))
    assert busy.available == 9
    with pytest.raises(NoMelodyError, match=r"track 1 gives no 16-bar window \(it plays the bass"):
        select_from_file(cases / "pop_verse.mid", trio, WindowChoice("track_bar", track=1, bar=0))
    with pytest.raises(NoMelodyError, match=r"no usable melody, bass and drums together for "
                                            r"16-bar windows: no bass track"):
        select_from_file(cases / "no_bass.mid", trio, WindowChoice())


def test_a_multiperf_window_spans_one_bar_and_a_passage_follows_bar_by_bar(tmp_path):
    """512 rows of 8 tracks' events are one bar, not 512 / 96 steps (inputs.txt, edits)."""
    from serenade.base.midi_parser import read_midi
    from serenade.generation.selection import select_passage

    quarters = [(60 + (i % 4), 0.5 * i, 0.5 * i + 0.4) for i in range(16)]  # 4 bars at 120
    bass = [(36 + (i % 3), 2.0 * i, 2.0 * i + 1.5) for i in range(4)]
    path = write_midi_tracks(tmp_path / "duo.mid", [{"notes": quarters, "program": 0},
                                                    {"notes": bass, "program": 33}], qpm=120)
    multiperf = converter_for_config("hier-multiperf_vel_1bar_tiny")
    first = select_from_file(path, multiperf, WindowChoice("first"), "duo")
    assert first.bars == 1 and first.describe() == "duo: track 0, bars 0-0 (one of 4 windows)"
    passage = select_passage(read_midi(path), multiperf, WindowChoice("first"), "duo", 3)
    assert [window.bar for window in passage] == [0, 1, 2]
