from serenade.drums.windows import DrumWindow, first_at_most, magenta_order, slice_track
from serenade.melody.windows import dedupe


def test_slices_hop_one_bar_and_drop_partial_tail():
    events = list(range(5 * 4))  # 5 bars of 4 steps
    slices = slice_track(events, window_steps=8, hop_steps=4)
    assert [offset for offset, _ in slices] == [0, 4, 8, 12]
    assert slices[1][1] == tuple(range(4, 12))
    assert slice_track(events[:7], 8, 4) == []


def test_dedupe_keeps_first_occurrence():
    a, b = (1, 0), (2, 0)
    windows = [DrumWindow(a, 0, 0, 0), DrumWindow(b, 0, 4, 0), DrumWindow(a, 0, 8, 1)]
    assert [(w.events, w.start_step) for w in dedupe(windows)] == [(a, 0), (b, 4)]


def test_magenta_order_is_the_order_of_a_set_of_frozenset_tuples():
    masks = [(5, 0, 1), (2, 2, 0), (5, 0, 1), (256, 3, 3), (0, 0, 7)]
    windows = [DrumWindow(m, 0, 4 * i, 0) for i, m in enumerate(masks)]
    as_magenta = list(set(tuple(frozenset(i for i in range(9) if m >> i & 1) for m in w)
                          for w in masks))
    ordered = magenta_order(windows)
    assert [tuple(frozenset(i for i in range(9) if m >> i & 1) for m in w.events)
            for w in ordered] == as_magenta
    assert len(ordered) == 4
    assert ordered[[w.events for w in ordered].index((5, 0, 1))].start_step == 0


def test_first_at_most():
    assert first_at_most([1, 2, 3], 2) == [1, 2]
    assert first_at_most([1, 2, 3], None) == [1, 2, 3]
