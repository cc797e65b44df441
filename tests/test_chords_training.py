"""Training and evaluating the chord-conditioned config on real MIDI (the chord fixture's cases,
with and without their chord symbols): the input pipeline yields (windows, chords), and
`serenade train` trains and evaluates `cat-mel_2bar_med_chords_tiny`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from serenade.cli import main
from serenade.conversion import converter_for_config
from serenade.models.configs import get_config
from serenade.training import dataset, evaluation
from serenade.training.trainer import Trainer

from testing.fixtures import chord_fixture_note_sequences
from testing.music_files import write_note_sequence_tfrecord

# One worker runs the whole module, so its costly module fixture is built once, not per worker.
pytestmark = pytest.mark.xdist_group("chords_training")

CONFIG = "cat-mel_2bar_med_chords_tiny"


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """The pieces with chord symbols (quick to convert: no chord inference)."""
    annotated = [s for s in chord_fixture_note_sequences() if s.text_annotations]
    path = write_note_sequence_tfrecord(tmp_path_factory.mktemp("tfr") / "chords.tfrecord",
                                        annotated)
    return dataset.read_serialized([path])


def test_batches_are_windows_with_their_chords(records):
    converter = converter_for_config(CONFIG)
    stream = dataset.training_dataset(records, converter, batch_size=8, seed=1)
    for windows, controls in stream.take(3):
        windows, controls = windows.numpy(), controls.numpy()
        assert windows.shape == (8, 32) and windows.dtype == np.int32
        assert controls.shape == (8, 32, 49) and (controls.sum(-1) == 1).all()
    found = dataset.eval_set(records, converter)
    assert found.controls.shape == found.windows.shape and len(found) == 15 + 28
    capped = dataset.eval_set(records, converter, max_windows=10, seed=3)
    pairs = {(tuple(w), tuple(c)) for w, c in zip(found.windows.tolist(), found.controls.tolist())}
    assert all((tuple(w), tuple(c)) in pairs
               for w, c in zip(capped.windows.tolist(), capped.controls.tolist()))


@pytest.mark.slow
def test_train_steps_reduce_the_loss_and_evaluation_reads_the_chords(records):
    trainer = Trainer(get_config(CONFIG, "learning_rate=0.01"))
    batches = iter(dataset.training_dataset(records, trainer.model.config.converter,
                                            batch_size=16, seed=2))
    first = next(batches)
    losses = [trainer.train_step(first)["r_loss"] for _ in range(8)]
    assert losses[-1] < losses[0]
    found = dataset.eval_set(records, trainer.model.config.converter, max_windows=32, seed=0)
    controls = trainer.model.config.converter.controls(found.controls)
    metrics = evaluation.evaluate(trainer.model, found.windows, controls=controls, batch_size=16,
                                  beta=1.0, free_bits=0.0, loss_sampling_probability=0.0)
    assert metrics["windows"] == 32 and 0 <= metrics["mu_accuracy"] <= 1
    with pytest.raises(ValueError, match="controls are required"):
        evaluation.evaluate(trainer.model, found.windows, batch_size=16, beta=1.0,
                            free_bits=0.0, loss_sampling_probability=0.0)


@pytest.mark.slow
def test_train_command_trains_the_chord_config(tmp_path, capsys):
    sequences = chord_fixture_note_sequences()
    train = write_note_sequence_tfrecord(tmp_path / "train.tfrecord", sequences[:5])
    held_out = write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", sequences[5:])
    code = main(["train", "--config", CONFIG, "--train-data", str(train),
                 "--eval-data", str(held_out), "--output", str(tmp_path / "model"),
                 "--steps", "4", "--batch-size", "8", "--log-every", "2",
                 "--checkpoint-root", str(tmp_path / "ckpt"), "--results-dir", str(tmp_path)])
    assert code == 0
    assert f"trained {CONFIG} for 4 steps" in capsys.readouterr().out
    assert json.loads((tmp_path / "model" / "eval.json").read_text())["windows"] > 0
    assert (tmp_path / "model" / "checkpoint" / "serenade.json").is_file()
