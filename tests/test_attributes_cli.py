"""`serenade attributes`: attribute vectors and an edited piece from the command line, on real
TFRecords and a real piece."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from serenade.paths import MAGENTA_FIXTURES

from testing.fixtures import fixture_note_sequences
from testing.music_files import write_note_sequence_tfrecord

SERENADE = str(Path(sys.executable).with_name("serenade"))
FIXTURE = MAGENTA_FIXTURES / "cat-mel_2bar_small"


def test_vectors_their_effect_and_an_edited_piece(tmp_path):
    sequences = fixture_note_sequences()
    train = write_note_sequence_tfrecord(tmp_path / "train.tfrecord", sequences[:8])
    held_out = write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", sequences[8:])
    out = tmp_path / "attrs"
    piece = FIXTURE / "cases" / "BlueStockingClog_0.mid"
    result = subprocess.run(
        [SERENADE, "attributes", "--config", "cat-mel_2bar_small", "--checkpoint",
         str(FIXTURE / "checkpoint"), "--train-data", str(train), "--eval-data", str(held_out),
         "--names", "note_density", "pitch_range", "--piece", str(piece), "--strength", "-1.5",
         "--max-eval-windows", "12", "--output-dir", str(out), "--seed", "2"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    effects = pd.read_csv(out / "effects.csv")
    assert list(effects["attribute"]) == ["note_density", "pitch_range"]
    assert (effects["eval_windows"] == 12).all() and (effects["with"] > 0).all()
    with np.load(out / "vectors.npz") as vectors:
        assert sorted(vectors) == ["note_density", "pitch_range"]
        assert vectors["note_density"].ndim == 1 and len(vectors["note_density"]) > 0
    edited = (out / "BlueStockingClog_0.mid").read_bytes()
    assert edited != (out / "BlueStockingClog_0-original.mid").read_bytes()
    assert not list(out.glob("*.wav"))  # audio is off unless asked


def test_an_unknown_attribute_is_named(tmp_path):
    records = write_note_sequence_tfrecord(tmp_path / "d.tfrecord", fixture_note_sequences())
    result = subprocess.run(
        [SERENADE, "attributes", "--config", "cat-mel_2bar_small", "--checkpoint",
         str(FIXTURE / "checkpoint"), "--train-data", str(records), "--eval-data", str(records),
         "--names", "calm", "--output-dir", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 1 and "calm" in result.stderr, result.stderr[-2000:]
