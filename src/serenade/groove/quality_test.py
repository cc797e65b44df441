"""GrooVAE figures on a real performance (a fixture drum MIDI file) and copies of it changed by
hand: every expected number follows from the change made."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from note_seq import midi_io

from serenade.groove import quality
from serenade.groove.configs import CONVERTERS

CASES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "magenta" / "groove" / "cases"
CONVERTER = CONVERTERS["groovae_2bar_humanize"]
DRUMS = CONVERTER.num_drums


@pytest.fixture(scope="module")
def funk():
    """(performance windows [n, 32, 27], seconds per step) of a real funk groove."""
    sequence = midi_io.midi_file_to_note_sequence(str(CASES / "0_funk_97.mid"))
    windows = CONVERTER.to_tensors(sequence, "infer").outputs.astype(np.float64)
    return windows, quality.step_seconds(sequence.tempos[0].qpm)


def _parts(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (windows[..., :DRUMS], windows[..., DRUMS:2 * DRUMS], windows[..., 2 * DRUMS:])


def test_identical_windows_are_a_perfect_reconstruction(funk):
    windows, seconds = funk
    figures = quality.compare(windows, windows.copy(), seconds, CONVERTER.classes_for().names)
    assert figures["hit_f1"] == figures["hit_precision"] == figures["hit_recall"] == 1.0
    assert figures["velocity_error"] == figures["timing_error_ms"] == 0.0
    assert figures["timing_mean_ms"] == figures["reference_timing_mean_ms"]
    assert figures["timing_std_ms"] == figures["reference_timing_std_ms"] > 0  # a real groove
    hits = _parts(windows)[0] > 0.5
    for k, name in enumerate(CONVERTER.classes_for().names):
        assert np.isnan(figures[f"hit_f1_{name}"]) == (not hits[..., k].any())


def test_a_shifted_copy_gives_the_shift_as_its_errors(funk):
    """Every hit played `late_ms` later and `louder` MIDI units louder: the timing error is the
    shift, the velocity error the change, the output's timing mean moves by the shift and its
    spread stays."""
    windows, seconds = funk
    late_ms, louder = 7.0, 10
    shifted = windows.copy()
    hits, velocities, offsets = _parts(shifted)
    velocities += (hits > 0.5) * louder / 127.0
    offsets -= (hits > 0.5) * 2.0 * late_ms / 1000.0 / seconds  # an offset of 1: half a step early
    figures = quality.compare(windows, shifted, seconds)
    assert figures["hit_f1"] == 1.0
    assert figures["timing_error_ms"] == pytest.approx(late_ms)
    assert figures["velocity_error"] == pytest.approx(louder)
    assert figures["timing_mean_ms"] == pytest.approx(figures["reference_timing_mean_ms"]
                                                      + late_ms)
    assert figures["timing_std_ms"] == pytest.approx(figures["reference_timing_std_ms"])
    assert figures["velocity_mean"] == pytest.approx(figures["reference_velocity_mean"] + louder)


def test_dropped_and_added_hits_give_their_f1(funk):
    windows, seconds = funk
    output = windows.copy()
    hits = _parts(output)[0]
    found, empty = np.argwhere(hits > 0.5), np.argwhere(hits < 0.5)[:3]
    actual = len(found)
    dropped = found[::4]  # every fourth hit left out
    hits[tuple(dropped.T)] = 0.0
    hits[tuple(empty.T)] = 1.0  # three hits where the performance has none
    true_positives = actual - len(dropped)
    predicted = true_positives + len(empty)
    figures = quality.compare(windows, output, seconds)
    assert figures["hit_recall"] == pytest.approx(true_positives / actual)
    assert figures["hit_precision"] == pytest.approx(true_positives / predicted)
    assert figures["hit_f1"] == pytest.approx(2 * true_positives / (actual + predicted))
    assert figures["timing_error_ms"] == figures["velocity_error"] == 0.0  # shared hits: same


def test_seconds_per_window_and_shapes(funk):
    windows, seconds = funk
    late = windows.copy()
    _parts(late)[2][:] -= 0.5  # every cell a quarter step later
    per_window = np.full(len(windows), seconds)
    per_window[0] *= 2  # the first window at half the tempo
    figures = quality.compare(windows, late, per_window)
    hits = _parts(windows)[0] > 0.5
    shared = hits.sum(axis=(1, 2))
    expected = (250.0 * shared * per_window).sum() / shared.sum()  # a quarter step, in ms
    assert figures["timing_error_ms"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="differ in shape"):
        quality.compare(windows, windows[:1], seconds)
    assert "hit F1" in quality.format_figures("funk", figures)
