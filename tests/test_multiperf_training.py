"""Training the tiny multi-instrument performance configs through Serenade's trainer on windows
of real MIDI (the multiperf converter fixture's Bach chorales): the input pipeline yields
padded 512-row windows (and chords), the loss leaves the padding rows out, and a few steps
lower it."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from serenade.models import objective
from serenade.models.configs import get_config
from serenade.models.hierarchical_encoder import ROW_BUCKET
from serenade.training import dataset
from serenade.training.trainer import Trainer

from testing.fixtures import PROJECT_MAGENTA_FIXTURES
from testing.music_files import write_note_sequence_tfrecord

pytestmark = pytest.mark.xdist_group("multiperf_training")

CASES = PROJECT_MAGENTA_FIXTURES / "multiperf" / "cases"


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    import note_seq

    sequences = [note_seq.midi_file_to_note_sequence(str(path))
                 for path in sorted(CASES.glob("bwv*.mid"))]
    path = write_note_sequence_tfrecord(tmp_path_factory.mktemp("tfr") / "chorales.tfrecord",
                                        sequences)
    return dataset.read_serialized([path])


@pytest.mark.slow
@pytest.mark.parametrize("config", ["hier-multiperf_vel_1bar_tiny",
                                    "hier-multiperf_vel_1bar_chords_tiny"])
def test_train_steps_reduce_the_loss_without_counting_padding(records, config):
    trainer = Trainer(get_config(config, "learning_rate=0.01"))
    model = trainer.model
    stream = dataset.training_dataset(records, model.config.converter, batch_size=4, seed=2)
    batch = next(iter(stream))
    windows, controls = batch if model.control_depth else (batch, None)
    assert windows.shape == (4, 512)
    assert (windows.numpy() < 0).any()  # padded tracks
    if controls is not None:
        assert controls.shape == (4, 512, 49)
        # a chord for every row of a track, none for its padding
        np.testing.assert_array_equal(controls.numpy().sum(-1), windows.numpy() >= 0)
    # the loss counts each track up to its length: padding rows change nothing
    outputs = model(windows, controls, training=False)
    per_step = model.head.cross_entropy(windows, outputs["logits"]).numpy()
    assert (per_step[windows.numpy() < 0] == 0).all() and (per_step[windows.numpy() >= 0] > 0).all()
    r_loss = objective.reconstruction_loss(windows, outputs["logits"], model.head)
    assert np.isfinite(r_loss.numpy()).all()
    losses = [trainer.train_step(batch)["r_loss"] for _ in range(6)]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    z, _, _ = model.encode(windows.numpy(), controls=None if controls is None else
                           controls.numpy())
    events, _ = model.decode(z, temperature=1.0, seed=0,
                             controls=None if controls is None else controls.numpy()[0])
    chords = None
    if controls is not None:  # the classes of window 0's chords (-1: padding), for each decode
        vectors = controls.numpy()[0]
        chords = np.tile(np.where(vectors.sum(-1) > 0, vectors.argmax(-1), -1), (4, 1))
    sequences = model.config.converter.from_windows(events, chords)
    assert len(sequences) == 4 and all(s.total_time > 0 for s in sequences)
    assert {n.velocity for s in sequences for n in s.notes} - {0}
    tf.keras.backend.clear_session()


@pytest.mark.slow
@pytest.mark.parametrize("transpose", ["--transpose", "--transpose=-2,2"])
def test_train_command_trains_the_tiny_config(tmp_path, capsys, transpose):
    """Magenta's -3..3 augmentation (the config's own), or a range of one's own."""
    import json

    import note_seq

    from serenade.cli import main

    sequences = [note_seq.midi_file_to_note_sequence(str(path))
                 for path in sorted(CASES.glob("bwv*.mid"))]
    train = write_note_sequence_tfrecord(tmp_path / "train.tfrecord", sequences[:3])
    held_out = write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", sequences[3:])
    config = "hier-multiperf_vel_1bar_tiny"
    assert main(["train", "--config", config, "--train-data", str(train),
                 "--eval-data", str(held_out), "--output", str(tmp_path / "model"),
                 "--steps", "3", "--batch-size", "4", "--log-every", "1", transpose,
                 "--checkpoint-root", str(tmp_path / "ckpt"),
                 "--results-dir", str(tmp_path)]) == 0
    assert f"trained {config} for 3 steps" in capsys.readouterr().out
    metrics = json.loads((tmp_path / "model" / "eval.json").read_text())
    assert metrics["windows"] > 0 and 0 <= metrics["accuracy"] <= 1


@pytest.mark.parametrize("config", ["hier-multiperf_vel_1bar_tiny",
                                    "hier-multiperf_vel_1bar_chords_tiny"])
def test_a_train_step_runs_tracks_up_to_the_batch_s_longest_with_the_same_loss(records, config):
    """The train step's encoder reads, and its decoder decodes, each track up to the batch's
    longest one, rounded up to ROW_BUCKET rows: the loss, the accuracy and every gradient are
    those of running all 64 rows."""
    model = Trainer(get_config(config)).model
    stream = dataset.training_dataset(records, model.config.converter, batch_size=4, seed=2)
    batch = next(iter(stream))
    windows = (batch[0] if model.control_depth else batch).numpy()
    longest = int((windows.reshape(-1, 64) >= 0).sum(axis=1).max())
    rows = model.rows_needed(batch)
    assert rows % ROW_BUCKET == 0 and longest <= rows < longest + ROW_BUCKET and rows < 64

    def loss_and_gradients(**shorter):
        tf.random.set_seed(7)  # the same posterior draw for both
        with tf.GradientTape() as tape:
            terms = model.objective(batch, free_bits=0.0, training=True, **shorter)
            loss = tf.reduce_mean(terms.r_loss + terms.kl_cost)
        return ((loss.numpy(), float(terms.correct), float(terms.predictions)),
                tape.gradient(loss, model.trainable_variables))

    whole_loss, whole = loss_and_gradients()
    short_loss, short = loss_and_gradients(segment_rows=rows)
    np.testing.assert_allclose(short_loss, whole_loss, rtol=1e-6)
    assert len(short) == len(whole)
    for variable, a, b in zip(model.trainable_variables, whole, short):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6, err_msg=variable.path)
    # a hint shorter than a track is refused when the step runs, not silently cut
    with pytest.raises(tf.errors.InvalidArgumentError, match="longer than segment_rows"):
        model.objective(batch, free_bits=0.0, training=True, segment_rows=rows - ROW_BUCKET)
    tf.keras.backend.clear_session()
