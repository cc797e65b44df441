"""Split windows on real MIDI: a cap takes a seeded subset while streaming; without one (or
under it) every window is kept in order."""

from __future__ import annotations

import numpy as np

from serenade.conversion import converter_for_config, splits

from testing.fixtures import fixture_note_sequences


def test_capped_split_is_a_seeded_ordered_subset_and_uncapped_is_everything():
    converter = converter_for_config("cat-mel_2bar_small")
    sequences = fixture_note_sequences()
    for index, sequence in enumerate(sequences):
        sequence.collection_name = f"source{index % 3}"
    parts = [converter.to_windows(s) for s in sequences]
    expected = np.concatenate([p for p in parts if len(p)])
    names = np.concatenate([[s.collection_name] * len(p) for s, p in zip(sequences, parts)])
    everything = splits.labelled_windows(sequences, converter)
    np.testing.assert_array_equal(everything.windows, expected)
    np.testing.assert_array_equal(everything.sources, names)
    assert everything.controls is None
    under = splits.labelled_windows(sequences, converter, limit=len(expected), seed=4)
    np.testing.assert_array_equal(under.windows, expected)
    np.testing.assert_array_equal(under.sources, names)
    capped = splits.labelled_windows(sequences, converter, limit=7, seed=4)
    again = splits.labelled_windows(sequences, converter, limit=7, seed=4)
    other = splits.labelled_windows(sequences, converter, limit=7, seed=5)
    assert len(capped) == 7 and np.array_equal(capped.windows, again.windows)
    assert not np.array_equal(capped.windows, other.windows)
    rows = [tuple(r) + (s,) for r, s in zip(expected.tolist(), names)]
    picked = [rows.index(tuple(r) + (s,)) for r, s in zip(capped.windows.tolist(), capped.sources)]
    assert picked == sorted(picked)  # a subset, in stream order (the fixture rows are distinct)


def test_sample_holds_about_twice_the_cap_and_picks_uniformly():
    sample = splits.WindowSample(limit=600, seed=0)
    peak = 0
    for start in range(0, 20_000, 50):
        rows = np.arange(start, start + 50, dtype=np.int16)[:, None].repeat(4, 1)
        sample.add(rows, None, "s")
        peak = max(peak, sample.held)
    assert peak <= 2 * 600 + 50
    found = sample.result(converter_for_config("cat-mel_2bar_small")).windows[:, 0]
    assert len(found) == 600 and (np.diff(found) > 0).all()
    assert 8_000 < found.mean() < 12_000  # uniform over 0..19_999
