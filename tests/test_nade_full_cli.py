"""nade-drums_2bar_full through the command line: a few real training steps of its tiny
version, and `serenade sample` writing MIDI that uses the full kit (one class per General MIDI
drum pitch, so pitches the reduced kit folds into its 9 classes come out as themselves)."""

from __future__ import annotations

import json

import pytest

from serenade.base.midi_parser import read_midi
from serenade.cli import main
from serenade.drums.classes import FULL, REDUCED

from testing.fixtures import PROJECT_MAGENTA_FIXTURES, drum_fixture_inputs
from testing.music_files import write_note_sequence_tfrecord

MAGENTA_CHECKPOINT = PROJECT_MAGENTA_FIXTURES / "nade-drums_2bar_full-tiny" / "nade-drums_2bar_full.tar"
REDUCED_EXEMPLARS = {REDUCED.exemplar(i) for i in range(REDUCED.num_classes)}


def _sampled_pitches(config: str, checkpoint, out_dir, temperature: float) -> set[int]:
    code = main(["sample", "--config", config, "--checkpoint", str(checkpoint),
                 "--num-outputs", "4", "--temperature", str(temperature), "--seed", "3",
                 "--output-dir", str(out_dir)])
    assert code == 0
    files = sorted(out_dir.glob("*.mid"))
    assert len(files) == 4
    notes = [note for path in files for note in read_midi(path).notes]
    assert notes and all(note.is_drum for note in notes)
    return {note.pitch for note in notes}


def test_sampling_magentas_checkpoint_writes_full_kit_pitches(tmp_path):
    pitches = _sampled_pitches("nade-drums_2bar_full", MAGENTA_CHECKPOINT, tmp_path, 1.0)
    assert pitches <= FULL.pitches


@pytest.mark.slow
def test_tiny_full_kit_model_trains_and_samples(tmp_path, capsys):
    sequences = [sequence for _, sequence in drum_fixture_inputs()]
    train = write_note_sequence_tfrecord(tmp_path / "train.tfrecord", sequences)
    evaluation = write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", sequences[:4])
    code = main(["train", "--config", "nade-drums_2bar_full_tiny", "--train-data", str(train),
                 "--eval_data", str(evaluation), "--output", str(tmp_path / "model"),
                 "--steps", "4", "--batch-size", "8", "--scale-schedules", "--log-every", "2",
                 "--checkpoint-root", str(tmp_path / "ckpt"), "--results-dir", str(tmp_path)])
    assert code == 0
    assert "trained nade-drums_2bar_full_tiny for 4 steps" in capsys.readouterr().out
    report = json.loads((tmp_path / "model" / "eval.json").read_text())
    assert report["windows"] > 0 and report["r_loss"] > 0
    # barely trained, each of the 61 bits is near a coin flip: most of the kit is sampled
    pitches = _sampled_pitches("nade-drums_2bar_full_tiny", tmp_path / "model" / "checkpoint",
                               tmp_path / "samples", 1.0)
    assert pitches <= FULL.pitches and len(pitches - REDUCED_EXEMPLARS) > 20
