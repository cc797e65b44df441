"""DrumsConverter against magenta's own DrumsConverter (tests/fixtures/magenta/drums) and its rules.

The fixture was recorded with tools/oracle/record_drum_converter.py on the MIDI files of
tools/make_drum_midi.py plus synthetic edge cases: per config and input, every window
(infer mode, no cap, magenta's set order), the eval-mode windows (cap 5), three train-mode
draws, and the NoteSequences `from_tensors` makes of the windows and of random tensors.
"""

import dataclasses
import json
import tarfile
from functools import cache

import numpy as np
import pytest
from note_seq import midi_io
from note_seq.protobuf import music_pb2

from serenade.conversion import converter_for_config
from serenade.drums import DrumsConverter
from serenade.drums.classes import REDUCED
from serenade.drums.encoding import mask_of
from serenade.registry import magenta_configs

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, drum_fixture_arrays, drum_fixture_inputs

INPUTS = cache(drum_fixture_inputs)
ARRAYS = cache(drum_fixture_arrays)


def rows(array):
    return [tuple(np.asarray(row).reshape(-1).tolist()) for row in array]


def cases():
    names = [name for name, _ in drum_fixture_inputs()]
    return [pytest.param(config, k, id=f"{config}-{k}-{name}")
            for config in magenta_configs("drums") for k, name in enumerate(names)]


@pytest.mark.parametrize("config, k", cases())
def test_every_window_equals_magentas(config, k):
    converter = converter_for_config(config)
    expected = ARRAYS(config)
    sequence = INPUTS()[k][1]
    tensors = converter.to_tensors(sequence)  # Serenade's inference: every window, time order
    n = len(expected[f"{k}_all_inputs"])
    assert tensors.inputs.shape == (n, 32, converter.input_depth)
    assert tensors.outputs.shape == (n, 32, converter.output_depth)
    assert tensors.inputs.dtype == tensors.outputs.dtype == bool
    assert sorted(rows(tensors.inputs)) == sorted(rows(expected[f"{k}_all_inputs"]))
    assert sorted(rows(tensors.outputs)) == sorted(rows(expected[f"{k}_all_outputs"]))
    assert tensors.lengths.tolist() == expected[f"{k}_all_lengths"].tolist()
    # the inputs and outputs of one window belong together
    pairs = set(zip(rows(tensors.inputs), rows(tensors.outputs)))
    assert pairs == set(zip(rows(expected[f"{k}_all_inputs"]), rows(expected[f"{k}_all_outputs"])))
    # magenta's order, without a cap: the same arrays element for element
    uncapped = dataclasses.replace(converter, max_tensors_per_notesequence=None)
    in_order = uncapped.to_tensors(sequence, "eval")
    np.testing.assert_array_equal(in_order.inputs, expected[f"{k}_all_inputs"])
    np.testing.assert_array_equal(in_order.outputs,
                                  expected[f"{k}_all_outputs"])
    assert (converter.explain(sequence) == "") == (n > 0)


@pytest.mark.parametrize("config, k", cases())
def test_eval_mode_keeps_magentas_first_five(config, k):
    expected = ARRAYS(config)
    tensors = converter_for_config(config).to_tensors(INPUTS()[k][1], "eval")
    n = len(expected[f"{k}_eval_inputs"])
    assert n <= 5
    np.testing.assert_array_equal(tensors.inputs, expected[f"{k}_eval_inputs"])
    np.testing.assert_array_equal(tensors.outputs,
                                  expected[f"{k}_eval_outputs"])
    assert tensors.lengths.tolist() == expected[f"{k}_eval_lengths"].tolist()


@pytest.mark.parametrize("config, k", cases())
def test_train_mode_draws_as_many_distinct_windows_as_magenta(config, k):
    converter = converter_for_config(config)
    expected = ARRAYS(config)
    every = set(rows(expected[f"{k}_all_outputs"]))
    sequence = INPUTS()[k][1]
    pieces = converter.training_pieces(sequence)
    rng = np.random.default_rng(k)
    for d in range(3):
        theirs = rows(expected[f"{k}_train{d}_outputs"])
        ours = converter.to_tensors(sequence, "train", rng=rng)
        assert set(theirs) <= every and set(rows(ours.outputs)) <= every
        assert len(ours.outputs) == len(theirs) == len(set(rows(ours.outputs)))
        assert len(converter.draw_training_windows(pieces, rng)) == len(theirs)


@pytest.mark.parametrize("config, k", cases())
def test_decoding_equals_magentas_note_sequences(config, k):
    converter = converter_for_config(config)
    expected = ARRAYS(config)

    def magentas(prefix, count):
        return [music_pb2.NoteSequence.FromString(expected[f"{k}_{prefix}{i}"].tobytes())
                for i in range(count)]

    windows = expected[f"{k}_all_outputs"]
    assert converter.from_tensors(windows) == magentas("decoded", len(windows))
    if converter.roll_output:
        samples = expected[f"{k}_random_samples"]
    else:
        samples = np.eye(512, dtype=np.float32)[expected[f"{k}_random_labels"]]
    decoded = converter.from_tensors(samples)
    assert decoded == magentas("random_decoded", 3)
    assert all(n.is_drum and n.velocity == 80 and n.instrument == 9 for s in decoded
               for n in s.notes)


def test_round_trip_windows_tensors_note_sequence():
    converter = converter_for_config("nade-drums_2bar_reduced")
    sequence = INPUTS()[1][1]  # funk
    windows = converter.to_windows(sequence)
    tensors = converter.tensors_for(windows)
    assert (converter.windows_from_outputs(tensors.outputs) == windows).all()
    cat = converter_for_config("cat-drums_2bar_small")
    assert (cat.windows_from_outputs(cat.outputs_for(windows)) == windows).all()
    assert (cat.inputs_for(windows) == tensors.inputs).all()  # same roll inputs
    single = converter.tensors_for(windows[0])
    assert single.inputs.shape == (1, 32, 10) and single.lengths.tolist() == [32]
    again = converter.to_windows(converter.to_note_sequence(windows[0]))
    assert rows(again) == [tuple(windows[0].tolist())]


def test_inference_order_is_chronological():
    converter = converter_for_config("cat-drums_2bar_small")
    sequence = INPUTS()[4][1]  # tempo change: two pieces
    windows = converter.windows_with_origin(sequence)
    keys = [(w.piece, w.start_step) for w in windows]
    assert keys == sorted(keys) and {w.piece for w in windows} == {0, 1}


def test_training_takes_a_random_subset_of_at_most_five():
    converter = converter_for_config("cat-drums_2bar_small")
    name, sequence = INPUTS()[8]  # edge0: 99 windows, 39 distinct
    assert name == "edge0"
    every = set(rows(converter.to_windows(sequence)))
    assert len(every) == 39
    rng = np.random.default_rng(3)
    draws = [converter.to_windows(sequence, training=True, rng=rng) for _ in range(20)]
    assert all(d.shape == (5, 32) and set(rows(d)) <= every and len(set(rows(d))) == 5
               for d in draws)
    assert len({frozenset(rows(d)) for d in draws}) > 10
    same = [converter.to_windows(sequence, training=True, rng=np.random.default_rng(7))
            for _ in range(2)]
    assert (same[0] == same[1]).all()
    assert converter.draw_transposition(True, rng) == 0
    with pytest.raises(ValueError):
        converter.training_pieces(sequence, 2)


def test_max_bars_truncates_before_slicing():
    sequence = music_pb2.NoteSequence()
    sequence.tempos.add(qpm=120)
    for bar in range(101):  # the same bar 100 times, then a crash in bar 101
        sequence.notes.add(pitch=36 if bar < 100 else 49, velocity=90, start_time=bar * 2.0,
                           end_time=bar * 2.0 + 0.1, is_drum=True)
    sequence.total_time = 202.1
    converter = converter_for_config("cat-drums_2bar_small")
    assert len(converter.to_windows(sequence)) == 1
    longer = dataclasses.replace(converter, max_bars=None).windows_with_origin(sequence)
    assert [w.start_step for w in longer] == [0, 99 * 16]


def test_explanations():
    converter = converter_for_config("cat-drums_2bar_small")
    names = dict(INPUTS())
    assert "12-step bars" in converter.explain(names["5_waltz_3_4.mid"])
    assert "no drum notes" in converter.explain(names["edge3"])
    assert converter.explain(names["edge4"]) == "the sequence is empty (total_time 0)"
    sequence = music_pb2.NoteSequence()
    sequence.tempos.add(qpm=120)
    sequence.notes.add(pitch=100, velocity=90, start_time=0, end_time=0.1, is_drum=True)
    assert "empty" in converter.explain(sequence)  # magenta splits nothing without total_time
    sequence.total_time = 0.1
    assert "drum map" in converter.explain(sequence)
    sequence.notes[0].pitch = 36
    assert "no drum track of 2 bars (1 shorter track(s)" in converter.explain(sequence)
    sequence.notes.add(pitch=38, velocity=90, start_time=2.0, end_time=2.1, is_drum=True)
    sequence.total_time = 2.1  # 15 empty steps after the kick: one 2-bar track
    assert converter.explain(sequence) == ""
    assert "no drum track of 4 bars" in dataclasses.replace(converter, slice_bars=4).explain(
        sequence)


def test_settings_are_checked():
    with pytest.raises(ValueError):
        DrumsConverter(slice_bars=0)
    with pytest.raises(ValueError, match="roll_output"):
        converter_for_config("nade-drums_2bar_full").__class__(
            pitch_classes=converter_for_config("nade-drums_2bar_full").pitch_classes)
    converter = DrumsConverter(pitch_classes=REDUCED)  # one-hot in and out
    assert (converter.input_depth, converter.output_depth) == (512, 512)
    window = np.zeros(32, dtype=np.int64)
    window[3] = mask_of([0, 8])
    assert converter.inputs_for(window)[3].argmax() == 257
    with pytest.raises(ValueError, match="depth"):
        converter.windows_from_outputs(np.zeros((32, 9)))
    with pytest.raises(ValueError, match="mode"):
        converter.to_tensors(music_pb2.NoteSequence(), "test")


@pytest.mark.parametrize("fixture", ["cat-drums_2bar_small-tiny", "nade-drums_2bar_reduced-tiny",
                                     "nade-drums_2bar_full-tiny"])
def test_model_fixture_windows_are_this_converters(fixture):
    """The model fixtures (tools/oracle/make_drum_fixture.py) recorded magenta's windows in its
    eval order without a cap: the windows and the encoder input the model numbers start from."""
    folder = PROJECT_MAGENTA_FIXTURES / fixture
    info = json.loads((folder / "fixture.json").read_text())
    converter = dataclasses.replace(converter_for_config(info["config"]),
                                    max_tensors_per_notesequence=None)
    assert (info["input_depth"], info["output_depth"]) == (converter.input_depth,
                                                           converter.output_depth)
    with np.load(folder / "expected.npz") as expected:
        for k, case in enumerate(info["cases"]):
            sequence = midi_io.midi_file_to_note_sequence(str(folder / case["midi"]))
            tensors = converter.to_tensors(sequence, "eval")
            assert len(tensors.windows) == case["num_windows"]
            if not case["num_windows"]:
                assert f"case{k}_windows" not in expected.files
                continue
            if converter.roll_output:
                np.testing.assert_array_equal(expected[f"case{k}_windows"], tensors.outputs)
            else:
                np.testing.assert_array_equal(expected[f"case{k}_windows"], tensors.windows)
            np.testing.assert_array_equal(expected[f"case{k}_input0"], tensors.inputs[0])
    with tarfile.open(folder / info["bundle"]) as tar:
        assert sorted(tar.getnames()) == [f"{info['config']}.ckpt.data-00000-of-00001",
                                          f"{info['config']}.ckpt.index"]
    assert (folder / (info["checkpoint"] + ".index")).is_file()
