"""`serenade train` end to end on TFRecords of real MIDI (the magenta fixture cases)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from serenade.cli import main
from serenade.models.checkpoint import load_model

from testing.fixtures import fixture_note_sequences
from testing.music_files import write_note_sequence_tfrecord


@pytest.mark.slow
def test_train_command_trains_and_writes_outputs(tmp_path, capsys):
    sequences = fixture_note_sequences()
    train = write_note_sequence_tfrecord(tmp_path / "train.tfrecord", sequences[:9])
    evaluation = write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", sequences[9:])
    code = main(["train", "--config", "cat-mel_2bar_tiny", "--train-data", str(train),
                 "--eval_data", str(evaluation), "--output", str(tmp_path / "model"),
                 "--steps", "4", "--batch-size", "8", "--scale-schedules", "--log-every", "2",
                 "--checkpoint-root", str(tmp_path / "ckpt"), "--results-dir", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "trained cat-mel_2bar_tiny for 4 steps" in out and "mu_accuracy" in out
    assert json.loads((tmp_path / "model" / "eval.json").read_text())["windows"] > 0
    assert (tmp_path / "model" / "checkpoint" / "serenade.json").is_file()
    assert (tmp_path / "mlflow" / "mlflow.db").is_file()


def test_bad_settings_exit_with_a_message(tmp_path, capsys):
    code = main(["train", "--config", "cat-mel_2bar_tiny", "--train-data", "x", "--eval-data", "y",
                 "--output", str(tmp_path), "--steps", "0"])
    assert code == 1
    assert capsys.readouterr().err == ("serenade train: invalid train settings:\n"
                                       "  - train.steps: 0 is less than the minimum of 1\n")


@pytest.mark.slow
def test_train_command_trains_a_hierarchical_encoder_model(tmp_path, capsys):
    """hier-mel_16bar_tiny through `serenade train` on 16-bar melodies; the model it writes
    loads back with its hierarchical encoder, encodes and decodes."""
    sequences = fixture_note_sequences("hierdec-mel_16bar-tiny")
    train = write_note_sequence_tfrecord(tmp_path / "train.tfrecord", sequences[:6])
    evaluation = write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", sequences[6:])
    code = main(["train", "--config", "hier-mel_16bar_tiny", "--train-data", str(train),
                 "--eval_data", str(evaluation), "--output", str(tmp_path / "model"),
                 "--steps", "2", "--batch-size", "4", "--log-every", "1",
                 "--checkpoint-root", str(tmp_path / "ckpt"), "--results-dir", str(tmp_path)])
    assert code == 0
    assert "trained hier-mel_16bar_tiny for 2 steps" in capsys.readouterr().out
    model = load_model(tmp_path / "model" / "checkpoint")
    assert model.config.name == "hier-mel_16bar_tiny" and model.config.encoder_level_lengths
    assert any(k.startswith("encoder/hierarchical_level_1/") for k in model.magenta_variables())
    _, mu, _ = model.encode(np.zeros((1, 256), np.int32))
    events, _ = model.decode(mu, temperature=0.0)
    assert events.shape == (1, 256)


def _groove_sequences() -> tuple[list, list]:
    """(train, eval) NoteSequences of real drum performances: the groove fixture cases and
    the General MIDI drum cases (those with a pitch outside the Roland classes GrooVAE trains
    on are left out of the windows by the training itself, with a warning)."""
    from note_seq import midi_io

    fixtures = Path(__file__).resolve().parent / "fixtures" / "magenta"
    groove = sorted((fixtures / "groove" / "cases").glob("*.mid"))
    drums = sorted((fixtures / "drums" / "cases").glob("*.mid"))
    read = lambda paths: [midi_io.midi_file_to_note_sequence(str(p)) for p in paths]
    return read(groove[:4] + drums), read(groove[4:])


@pytest.mark.slow
def test_train_command_trains_a_groovae_model(tmp_path, capsys):
    """groovae_2bar_tiny through `serenade train` on real drum MIDI: 100 steps lower the loss,
    the evaluation reports hit accuracy and the round trip's hit F1, velocity and offset errors,
    and the checkpoint it writes is a GrooveVAE that `serenade sample` reads."""
    import csv

    from serenade.models.groove import GrooveVAE

    train_sequences, eval_sequences = _groove_sequences()
    train = write_note_sequence_tfrecord(tmp_path / "train.tfrecord", train_sequences)
    evaluation = write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", eval_sequences)
    code = main(["train", "--config", "groovae_2bar_tiny", "--train-data", str(train),
                 "--eval-data", str(evaluation), "--output", str(tmp_path / "model"),
                 "--steps", "100", "--log-every", "10", "--seed", "1",
                 "--checkpoint-root", str(tmp_path / "ckpt"), "--results-dir", str(tmp_path)])
    assert code == 0
    assert "trained groovae_2bar_tiny for 100 steps" in capsys.readouterr().out
    with open(tmp_path / "model" / "metrics.csv", newline="") as handle:
        losses = [float(row["value"]) for row in csv.DictReader(handle) if row["key"] == "loss"]
    assert len(losses) == 10 and losses[-1] < 0.6 * losses[0], losses
    final = json.loads((tmp_path / "model" / "eval.json").read_text())
    assert final["windows"] > 0 and 0 < final["mu_hit_f1"] <= 1
    assert final["accuracy"] > 0.5 and final["mu_velocity_error"] >= 0
    for name in ("hits_loss", "velocities_loss", "offsets_loss", "mu_offset_error"):
        assert np.isfinite(final[name]), name
    model = load_model(tmp_path / "model" / "checkpoint")
    assert isinstance(model, GrooveVAE) and model.global_step == 100
    assert model.latent_prior is not None and model.latent_prior.windows > 1  # fitted, no controls
    code = main(["sample", "--config", "groovae_2bar_tiny", "--checkpoint",
                 str(tmp_path / "model" / "checkpoint"), "--num-outputs", "2", "--output-dir",
                 str(tmp_path / "sample"), "--seed", "3", "--prior", "fitted"])
    assert code == 0 and len(list((tmp_path / "sample").glob("*.mid"))) == 2
