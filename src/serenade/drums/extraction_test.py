from serenade.drums.classes import FULL, REDUCED
from serenade.drums.extraction import drum_hits, extract_drum_tracks
from serenade.melody.pieces import QuantizedNote


def note(start, pitch=36, velocity=90, is_drum=True, instrument=9):
    return QuantizedNote(instrument, 0, is_drum, pitch, velocity, start, start + 1)


def tracks(hits, **kwargs):
    return [(t.start_step, t.events) for t in extract_drum_tracks(hits, 16, **kwargs)]


def test_hits_merge_instruments_and_drop_what_magenta_drops():
    notes = [note(0, 36), note(0, 35, instrument=10), note(0, 38, instrument=3), note(2, 42),
             note(3, 38, velocity=0), note(4, 38, is_drum=False), note(5, 100), note(6, 22)]
    assert drum_hits(notes, REDUCED) == {0: 0b11, 2: 0b100, 6: 0b100}
    assert drum_hits(notes, FULL) == {0: 0b111, 2: 1 << 17}


def test_track_starts_at_the_bar_line_and_is_padded_to_whole_bars():
    assert tracks({21: 1, 23: 2}) == [(16, [0] * 5 + [1, 0, 2] + [0] * 8)]


def test_gap_of_a_bar_after_the_step_after_a_hit_splits():
    # 15 empty steps between hits: one track; 16: a new track from the next hit's bar
    assert tracks({2: 1, 18: 1}) == [(0, [0, 0, 1] + [0] * 15 + [1] + [0] * 13)]
    split = tracks({2: 1, 19: 1})
    assert split == [(0, [0, 0, 1] + [0] * 13), (16, [0, 0, 0, 1] + [0] * 12)]
    assert tracks({2: 1, 19: 1}, gap_bars=2) == [(0, [0, 0, 1] + [0] * 16 + [1] + [0] * 12)]
    assert len(tracks({0: 1, 500: 1}, gap_bars=None)) == 1


def test_long_tracks_are_cut_to_whole_bars_and_the_search_goes_on_after_them():
    hits = {step: 1 for step in range(0, 16 * 10, 4)}
    hits[16 * 12] = 2
    found = tracks(hits, max_steps=40)
    assert [(start, len(events)) for start, events in found] == [(0, 32), (192, 16)]
    assert found[1][1][0] == 2
    assert tracks(hits, max_steps=40, pad_end=False)[0][1] == [1, 0, 0, 0] * 10


def test_short_tracks_are_dropped():
    assert tracks({0: 1, 40: 1}, min_bars=2) == []
    assert tracks({}) == []
