"""Choosing a GrooVAE window of a drum performance, and the walks' hit match."""

import numpy as np
import pytest

from serenade.generation.groove_windows import hit_match, select_groove_from_file
from serenade.generation.jobs.humanize import quantized
from serenade.generation.selection import NoMelodyError, WindowChoice
from serenade.groove.configs import CONVERTERS
from testing.fixtures import DRUM_FIXTURES, PROJECT_MAGENTA_FIXTURES

CONVERTER = CONVERTERS["groovae_2bar_humanize"]
FUNK = PROJECT_MAGENTA_FIXTURES / "groove" / "cases" / "0_funk_97.mid"


def test_strategies_pick_the_drum_window_they_name():
    first = select_groove_from_file(FUNK, CONVERTER, WindowChoice("first"), "funk")
    busiest = select_groove_from_file(FUNK, CONVERTER, WindowChoice("most_notes"), "funk")
    at_bar = select_groove_from_file(FUNK, CONVERTER, WindowChoice("track_bar", 0, 4), "funk")
    assert first.available == 4 and first.bar == 0 and at_bar.bar == 4
    assert first.events.shape == first.performance.shape == (32, 27)
    hits = [int((w.performance[:, :9] > 0.5).sum()) for w in (first, busiest, at_bar)]
    assert hits[1] >= max(hits[0], hits[2])
    assert "funk: drums, bars 4-5 (one of 4 windows)" == at_bar.describe()
    with pytest.raises(NoMelodyError, match="bars 0, 2"):
        select_groove_from_file(FUNK, CONVERTER, WindowChoice("track_bar", 0, 3), "funk")


def test_a_file_without_a_window_says_why():
    with pytest.raises(NoMelodyError, match="waltz: no 2-bar drum window .*12 steps per bar"):
        select_groove_from_file(DRUM_FIXTURES / "cases" / "5_waltz_3_4.mid", CONVERTER,
                                WindowChoice("first"), "waltz")


def test_hit_match_and_quantized_loop():
    window = select_groove_from_file(FUNK, CONVERTER, WindowChoice("first"), "f").performance
    assert hit_match(window[None], window[None]) == 1.0
    loop = quantized(window[None], CONVERTER, 100)
    hits = loop[..., :9] > 0.5
    assert (hits == (window[None, :, :9] > 0.5)).all()
    assert np.allclose(loop[..., 9:18][hits], 100 / 127) and not loop[..., 18:].any()
    assert hit_match(window[None], loop) == 1.0  # the same hits
    assert hit_match(window[None], np.zeros_like(loop)) == 0.0
