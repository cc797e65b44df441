"""Window kinds on real drum performances: GrooVAE's float triples, drawn as magenta's
converter gives them ("train" mode, a fresh note dropout each draw), through the same input
pipeline as class windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from note_seq import midi_io

from serenade.models.configs import get_config
from serenade.training import dataset
from serenade.training.window_kinds import ClassWindows, GrooveWindows, window_kind

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "magenta"
GROOVE = sorted((FIXTURES / "groove" / "cases").glob("*.mid"))
CLAP = FIXTURES / "drums" / "cases" / "0_rock.mid"  # has a hand clap (39): no Roland class


@pytest.fixture(scope="module")
def records() -> list[bytes]:
    return [midi_io.midi_file_to_note_sequence(str(p)).SerializeToString() for p in GROOVE]


def test_each_config_has_its_kind():
    assert isinstance(window_kind(get_config("groovae_2bar_tiny").converter), GrooveWindows)
    assert isinstance(window_kind(get_config("cat-drums_2bar_small").converter), ClassWindows)


def test_a_groove_draw_is_every_train_mode_window_with_a_fresh_note_dropout(records):
    converter = get_config("groovae_2bar_tap_fixed_velocity_note_dropout").converter
    draw = GrooveWindows(converter).drawer(records)
    index = 0
    sequence = dataset._parse(records[index], index)
    expected = converter.to_tensors(sequence, "train", np.random.default_rng(5))
    inputs, outputs, controls = draw(index, np.random.default_rng(5))
    np.testing.assert_array_equal(outputs, expected.outputs)
    np.testing.assert_array_equal(inputs, expected.inputs)
    assert inputs.dtype == outputs.dtype == controls.dtype == np.float32
    assert controls.shape == (len(expected), 32, 0)
    # another draw (another epoch's generator): the same targets, other dropped notes
    again, outputs_again, _ = draw(index, np.random.default_rng(6))
    np.testing.assert_array_equal(outputs_again, outputs)
    assert not np.array_equal(again, inputs)


def test_the_training_stream_gives_float_triples_reproducibly(records):
    converter = get_config("groovae_2bar_hits_control_tiny").converter
    first, second = (list(dataset.training_dataset(records, converter, batch_size=4, seed=3)
                          .take(3)) for _ in range(2))
    for batch, same in zip(first, second):
        inputs, outputs, controls = (b.numpy() for b in batch)
        assert inputs.shape == outputs.shape == (4, 32, 27)
        # hits as controls: the output hits of each step
        np.testing.assert_array_equal(controls, outputs[..., :9])
        for a, b in zip(batch, same):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    # without controls the batches carry empty ones, [B, T, 0]
    plain = get_config("groovae_2bar_tiny").converter
    batch = next(iter(dataset.training_dataset(records, plain, batch_size=4, seed=3)))
    assert [tuple(b.shape) for b in batch] == [(4, 32, 27), (4, 32, 27), (4, 32, 0)]


def test_a_sequence_outside_the_training_classes_is_left_out(records):
    converter = get_config("groovae_2bar_tiny").converter
    kind = GrooveWindows(converter)
    clap = midi_io.midi_file_to_note_sequence(str(CLAP))
    assert converter.to_tensors(clap, "infer") and kind.count(clap) == 0
    draw = kind.drawer([clap.SerializeToString()])
    assert [a.shape for a in draw(0, np.random.default_rng(0))] == [(0, 32, 27)] * 2 + [(0, 32, 0)]
    found = kind.eval_set([clap.SerializeToString(), *records], max_windows=None, seed=0)
    expected = sum(len(converter.to_tensors(dataset._parse(r, i), "eval"))
                   for i, r in enumerate(records))
    assert len(found) == expected > 3
    capped = kind.eval_set(records, max_windows=3, seed=0)
    assert len(capped) == 3 and capped.arrays[0].shape == (3, 32, 27)
