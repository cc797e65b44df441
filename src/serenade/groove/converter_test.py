from __future__ import annotations

import numpy as np
import pytest
from note_seq.protobuf import music_pb2

from serenade.drums.classes import REDUCED, ROLAND
from serenade.groove import GrooveConverter, UnmappedDrumPitch
from serenade.groove.configs import CONVERTERS

QPM = 100.0
STEP = 60.0 / QPM / 4


def performance(hits, *, qpm=QPM, bars=None):
    """hits: (step, pitch, velocity, offset in steps; > 0: late)."""
    s = music_pb2.NoteSequence()
    s.tempos.add(qpm=qpm)
    s.time_signatures.add(numerator=4, denominator=4)
    step_length = 60.0 / qpm / 4
    for step, pitch, velocity, late in hits:
        t = (step + late) * step_length
        s.notes.add(pitch=pitch, velocity=velocity, start_time=t, end_time=t + 0.05,
                    is_drum=True, instrument=9)
    s.total_time = max([n.end_time for n in s.notes] + [0.0])
    return s


KIT = performance([(0, 36, 110, -0.2), (0, 42, 60, 0.1), (4, 38, 127, 0.3), (4, 42, 60, 0.0),
                   (8, 36, 90, 0.0), (8, 46, 100, -0.1), (12, 38, 40, 0.25), (20, 45, 70, 0.0),
                   (31, 49, 127, 0.4)])


def test_grid_values():
    grid = GrooveConverter(split_bars=2).grid(KIT, "eval")
    assert grid.steps == 32
    assert grid.hits.sum() == 9
    assert grid.velocities[4, 1] == pytest.approx(1.0)
    assert grid.velocities[0, 0] == pytest.approx(110 / 127)
    # offset: 2 * (grid - onset) / step: early notes positive
    assert grid.offsets[0, 0] == pytest.approx(0.4)
    assert grid.offsets[4, 1] == pytest.approx(-0.6)
    assert grid.offsets[31, 7] == pytest.approx(-0.8)
    assert grid.hits[20, 5] == 1  # 45: the Roland mid tom


def test_modes_pick_the_pitch_classes():
    converter = CONVERTERS["groovae_2bar_humanize"]
    assert converter.grid(KIT, "infer").hits[20, 4] == 1  # 45: the reduced low tom
    assert converter.classes_for("infer") is REDUCED
    assert converter.classes_for("train") is converter.classes_for("eval") is ROLAND
    with pytest.raises(ValueError, match="Invalid mode"):
        converter.classes_for("predict")


def test_loudest_note_of_a_class_in_a_step_wins_first_among_equals():
    s = performance([(0, 38, 50, 0.0), (0, 37, 90, -0.3), (0, 40, 90, 0.2), (16, 36, 1, 0.0)])
    grid = GrooveConverter().grid(s, "eval")
    assert grid.velocities[0, 1] == pytest.approx(90 / 127)
    assert grid.offsets[0, 1] == pytest.approx(0.6)  # the first 90, 0.3 step early


def test_partial_bar_is_padded_and_windows_drop_the_rest():
    s = performance([(0, 36, 100, 0.0), (40, 38, 100, 0.0)])  # 3 bars
    assert GrooveConverter().grid(s).steps == 48
    assert len(GrooveConverter(split_bars=2).to_tensors(s)) == 1
    assert len(GrooveConverter(split_bars=4).to_tensors(s)) == 0
    assert "shorter than a 4-bar window" in GrooveConverter(split_bars=4).explain(s)
    whole = GrooveConverter().to_tensors(s)
    assert whole.inputs.shape == (1, 48, 27) and list(whole.lengths) == [48]
    hops = GrooveConverter(split_bars=2, hop_size=16).to_tensors(s)
    assert len(hops) == 2
    np.testing.assert_array_equal(hops.outputs[1, :16], hops.outputs[0, 16:])


def test_nothing_for_what_magenta_rejects():
    converter = GrooveConverter(split_bars=1)
    empty = performance([])
    assert len(converter.to_tensors(empty)) == 0 and converter.explain(empty) == "no notes"
    waltz = performance([(0, 36, 90, 0.0)])
    waltz.time_signatures[0].numerator = 3
    assert "12 steps per bar" in converter.explain(waltz)
    tempo_change = performance([(0, 36, 90, 0.0), (20, 36, 90, 0.0)])
    tempo_change.tempos.add(time=1.0, qpm=140)
    assert "MultipleTempoError" in converter.explain(tempo_change)
    tensors = converter.to_tensors(tempo_change)
    assert tensors.inputs.shape == (0, 16, 27) and tensors.controls.shape == (0, 16, 0)
    kick2 = performance([(0, 35, 90, 0.0)])
    with pytest.raises(UnmappedDrumPitch, match="pitch 35 .* roland"):
        converter.to_tensors(kick2, "infer")  # no inference classes: the training ones
    converter = GrooveConverter(split_bars=1, inference_pitch_classes=REDUCED)
    with pytest.raises(KeyError):
        converter.to_tensors(kick2, "eval")
    assert len(converter.to_tensors(kick2, "infer")) == 1


def test_humanize_fixed_velocities_add_instruments_and_controls():
    grid_out = CONVERTERS["groovae_2bar_humanize"].to_tensors(KIT, "eval")
    inputs, outputs = grid_out.inputs[0], grid_out.outputs[0]
    np.testing.assert_array_equal(inputs[:, :9], outputs[:, :9])
    assert not inputs[:, 9:].any() and outputs[:, 9:].any()

    added = CONVERTERS["groovae_2bar_add_closed_hh"].to_tensors(KIT, "eval")
    assert not added.inputs[0][:, [2, 11, 20]].any() and added.outputs[0][:, 2].sum() == 2
    np.testing.assert_array_equal(np.delete(added.inputs[0], [2, 11, 20], axis=1),
                                  np.delete(added.outputs[0], [2, 11, 20], axis=1))

    controlled = CONVERTERS["groovae_2bar_hits_control_tfds"].to_tensors(KIT, "eval")
    assert controlled.controls.dtype == bool and controlled.controls.shape == (1, 32, 9)
    np.testing.assert_array_equal(controlled.controls[0], controlled.outputs[0][:, :9] == 1)
    np.testing.assert_array_equal(controlled.inputs, controlled.outputs)


def test_tapify_keeps_the_loudest_hit_on_the_open_hihat():
    tensors = CONVERTERS["groovae_2bar_tap_fixed_velocity"].to_tensors(KIT, "eval")
    inputs = tensors.inputs[0]
    hits = inputs[:, :9]
    assert set(np.flatnonzero(hits.any(axis=0))) == {3}
    np.testing.assert_array_equal(hits[:, 3], tensors.outputs[0][:, :9].any(axis=1))
    assert not inputs[:, 9:18].any()  # fixed velocities
    assert inputs[0, 21] == pytest.approx(0.4)     # the kick (110) over the hi-hat (60)
    assert inputs[8, 21] == pytest.approx(0.2)     # the open hi-hat (100) over the kick (90)


def test_tapify_after_dropout_takes_the_values_before_it():
    """magenta's tapify reads the pre-dropout grid at the loudest remaining class; a step whose
    hits were all dropped reads class 0 there (the kick, when it was hit)."""
    converter = GrooveConverter(split_bars=2, tapify=True, max_note_dropout_probability=1.0)
    grid = converter.grid(KIT, "eval")
    for seed in range(20):
        tapped = converter.encoder_grid(grid, np.random.RandomState(seed))
        assert np.all(tapped.hits[:, 3] <= grid.hits.any(axis=1))
        kick_steps = grid.hits[:, 0] == 1
        assert np.all(tapped.hits[kick_steps, 3] == 1)


def test_dropout_needs_no_rng_and_is_random():
    converter = CONVERTERS["groovae_2bar_tap_fixed_velocity_note_dropout"]
    assert converter.note_dropout
    draws = {converter.to_tensors(KIT, "eval").inputs.tobytes() for _ in range(30)}
    assert len(draws) > 1
    seeded = [converter.to_tensors(KIT, "eval", rng=np.random.default_rng(3)).inputs
              for _ in range(2)]
    np.testing.assert_array_equal(*seeded)


def test_from_tensors_round_trip():
    converter = CONVERTERS["groovae_2bar_humanize"]
    tensors = converter.to_tensors(KIT, "infer")
    (decoded,) = converter.from_tensors(tensors.outputs, "infer")
    assert len(decoded.notes) == 9 and [t.qpm for t in decoded.tempos] == [120.0]
    kick = decoded.notes[0]
    assert (kick.pitch, kick.velocity, kick.is_drum, kick.instrument) == (36, 110, True, 9)
    assert kick.start_time == pytest.approx(-0.2 * 0.125)  # early on step 0: before 0
    assert kick.end_time - kick.start_time == pytest.approx(0.125)

    # laid end to end at the performance's tempo, it converts back to the same windows but for
    # the note before 0 (clamped to 0 for writing)
    sequence = converter.to_note_sequence(tensors.outputs, qpm=QPM, mode="infer")
    assert sequence.notes[0].start_time == 0.0 and sequence.total_time >= 32 * STEP
    again = converter.to_tensors(sequence, "infer").outputs
    expected = tensors.outputs.copy()
    expected[0, 0, 18] = 0.0  # the kick's offset
    np.testing.assert_allclose(again, expected, atol=1e-6)


def test_from_tensors_thresholds_and_clips():
    converter = GrooveConverter()
    sample = np.zeros((2, 27), np.float32)
    sample[0, [0, 1, 2]] = [0.5, 0.51, 1.0]
    sample[0, [9, 10, 11]] = [1.0, 1.3, -0.2]
    sample[0, [18, 19, 20]] = [0.0, 3.0, -3.0]
    (decoded,) = converter.from_tensors([sample], "eval")
    notes = [(n.pitch, n.velocity, round(n.start_time / 0.125, 6)) for n in decoded.notes]
    assert notes == [(38, 127, -0.5), (42, 0, 0.5)]
    with pytest.raises(ValueError, match=r"\[steps, 27\]"):
        converter.from_tensors([np.zeros((4, 9))])


@pytest.mark.parametrize("kwargs, message", [
    (dict(inference_pitch_classes=REDUCED.__class__("two", ((36,), (38,)))), "same number"),
    (dict(hop_size=8), "hop_size"),
    (dict(split_bars=0), "split_bars"),
    (dict(add_instruments=(9,)), "add_instruments"),
    (dict(max_note_dropout_probability=1.5), "dropout"),
])
def test_invalid_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GrooveConverter(**kwargs)
