import numpy as np

from serenade.melody.pieces import QuantizedNote
from serenade.trio.instruments import (Kind, bridge_gaps, classify, coverage, group_coverage,
                                       runs)


def note(instrument, program, start, end, is_drum=False):
    return QuantizedNote(instrument, program, is_drum, 60, 90, start, end)


def test_classify_by_program_and_drums():
    kinds = classify([note(0, 0, 0, 4), note(1, 33, 0, 4), note(2, 0, 0, 1, True),
                      note(3, 73, 0, 4), note(4, 0, 0, 4), note(4, 35, 4, 8), note(200, 0, 0, 4)])
    assert kinds == {0: Kind.MELODY, 1: Kind.BASS, 2: Kind.DRUMS, 3: Kind.INVALID,
                     4: Kind.INVALID}


def test_coverage_counts_bars_a_note_sounds_in_and_bridges_gaps():
    covered = coverage([note(0, 0, 0, 17), note(0, 0, 80, 81)], 8, 16)
    assert covered[:, 0].tolist() == [True, True, False, False, False, True, False, False]
    bridged = bridge_gaps(covered, 2)
    assert bridged[:, 0].tolist() == [True] * 8
    assert runs([False, True, True, False, True]) == [(1, 2), (4, 4)]


def test_group_edges_count_when_any_track_plays_there():
    bridged = np.zeros((6, 128), bool)
    bridged[:, 0] = True
    bridged[2:, 1] = True  # track 1 starts in bar 3
    together = group_coverage(bridged, (0, 1), 2)
    assert together.tolist() == [True] * 6  # bars 1-2 count: track 0 plays there
