import numpy as np

from serenade.melody.events import RAW_NO_EVENT as H, RAW_NOTE_OFF as X
from serenade.melody.windows import Window, clean_leading_offs, dedupe, sample_at_most, slice_melody


def test_slices_hop_one_bar_and_drop_partial_tail():
    events = list(range(60, 60 + 5 * 4))  # 5 bars of 4 steps
    slices = slice_melody(events, window_steps=8, hop_steps=4)
    assert [offset for offset, _ in slices] == [0, 4, 8, 12]
    assert slices[1][1] == tuple(range(64, 72))
    assert slice_melody(events[:7], 8, 4) == []


def test_leading_note_offs_become_no_events():
    assert clean_leading_offs([X, H, X, 60, X, H]) == (H, H, H, 60, X, H)
    assert clean_leading_offs([X, X]) == (H, H)


def test_dedupe_keeps_first_occurrence_in_order():
    a, b = (60, H), (62, H)
    windows = [Window(a, 0, 0, 1), Window(b, 0, 4, 0), Window(a, 0, 8, 0)]
    assert [(w.events, w.start_step) for w in dedupe(windows)] == [(a, 0), (b, 4)]


def test_sample_at_most_is_a_random_subset_in_order():
    items = list(range(20))
    rng = np.random.default_rng(0)
    draws = [sample_at_most(items, 5, rng) for _ in range(50)]
    assert all(len(d) == 5 and d == sorted(d) and len(set(d)) == 5 for d in draws)
    assert len({tuple(d) for d in draws}) > 10  # really random
    assert sample_at_most(items[:3], 5, rng) == [0, 1, 2]
    assert sample_at_most(items, None, rng) == items
