import numpy as np
import pytest
from note_seq.protobuf import music_pb2

from serenade.conversion import converter_for_config
from serenade.generation.features import features_for
from serenade.generation.quality import POLYPHONY_TARGETS, format_check, set_figures, targets_for

CONVERTER = converter_for_config("hier-multiperf_vel_1bar_tiny")


def _bar(notes) -> np.ndarray:
    """One 4/4 bar at 120 qpm (2 s) of (instrument, pitch, velocity, start, end) -> its window."""
    ns = music_pb2.NoteSequence(ticks_per_quarter=220, total_time=2.0)
    ns.tempos.add(qpm=120.0)
    ns.time_signatures.add(numerator=4, denominator=4)
    for instrument, pitch, velocity, start, end in notes:
        ns.notes.add(instrument=instrument, program=0, pitch=pitch, velocity=velocity,
                     start_time=start, end_time=end)
    windows = CONVERTER.to_windows(ns)
    assert len(windows) == 1
    return windows[0]


# a C major triad held for the bar by two hands (3 + 1 notes), loud, then a soft bass note
CHORD = _bar([(0, 60, 113, 0.0, 2.0), (0, 64, 113, 0.0, 2.0), (0, 67, 113, 0.0, 2.0),
              (1, 48, 113, 0.0, 1.0), (1, 43, 17, 1.0, 2.0)])
# two lines taking turns, one note at a time: C, C#, D (no major scale holds all three)
LINES = _bar([(0, 72, 65, 0.0, 1.0), (1, 61, 65, 1.0, 1.5), (1, 62, 65, 1.5, 2.0)])


def test_multiperf_windows_are_measured_by_their_notes():
    features = features_for(CONVERTER)
    assert features.kind == "polyphony" and features.histogram == "velocities"
    assert features.defaults == ("notes_per_bar", "polyphony")
    table = features.table(np.stack([CHORD, LINES]))
    assert table["notes_per_bar"].tolist() == [5.0, 3.0]
    assert table["polyphony"].tolist() == pytest.approx([4.0, 1.0])  # 4 notes held all bar
    assert table["instruments"].tolist() == [2.0, 2.0]
    assert table["in_scale"].tolist() == pytest.approx([1.0, 2 / 3])
    assert table["velocities"].shape == (2, 8)
    assert table["velocities"][0, 7] == pytest.approx(0.8)  # 4 loud notes of 5, one soft
    assert table["velocities"][0, 1] == pytest.approx(0.2)
    empty = features.table(np.zeros((0, 512), np.int16))
    assert empty["velocities"].shape == (0, 8)


def test_quality_figures_put_samples_beside_the_reference():
    features = features_for(CONVERTER)
    figures = set_figures(np.stack([CHORD] * 3), np.stack([LINES] * 3), features)
    assert figures["polyphony"] == pytest.approx(4.0)
    assert figures["notes_per_bar"] == 5.0 and figures["under_4_notes"] == 0.0
    assert figures["velocity_distance"] == pytest.approx(1.0)  # loud and soft vs mezzo only
    assert targets_for(features) == POLYPHONY_TARGETS
    text = format_check("poly", {"reference.polyphony": 1.0, "samples_t0.5.polyphony": 4.0,
                                 "reference.notes_per_bar": 2.0,
                                 "samples_t0.5.notes_per_bar": 2.2,
                                 "samples_t0.5.velocity_distance": 0.3}, features)
    assert "the polyphony targets only" in text
    assert "samples_t0.5.polyphony" in text and "misses target" in text
    assert "samples_t0.5.velocity_distance" in text


def test_melody_attributes_are_refused_for_a_multiperf_model_naming_it():
    from serenade.config import ConfigError, validate_config

    config = {"sources": [{"name": "chorales", "path": "/nowhere"}],
              "models": [{"name": "poly", "config": "hier-multiperf_vel_1bar_tiny",
                          "train": {"steps": 5}}],
              "generate": {"attributes": {"names": ["note_density"]}}}
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    message = str(error.value)
    assert "'note_density'" in message and "notes_per_bar, polyphony" in message
    config["generate"] = {"attributes": {"names": ["polyphony", "in_scale"]}}
    validate_config(config)
