"""`serenade journey`: the workflow's journey job from the command line, same music."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from serenade.models.latent_paths import walk
from serenade.generation.selection import WindowChoice, select_from_file
from serenade.paths import MAGENTA_FIXTURES

from testing.fixtures import fixture_model

SERENADE = str(Path(sys.executable).with_name("serenade"))
FIXTURE = MAGENTA_FIXTURES / "cat-mel_2bar_small"
INPUTS = [FIXTURE / "cases" / name for name in
          ("bwv244.44_0.mid", "BlueStockingClog_0.mid", "1625-1700_6.mid")]


def _journey(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SERENADE, "journey", "--config", "cat-mel_2bar_small",
                           "--checkpoint", str(FIXTURE / "checkpoint"), *args],
                          capture_output=True, text=True, timeout=600)


def test_journey_writes_the_piece_the_workflow_job_makes(tmp_path):
    out = tmp_path / "tour"
    result = _journey(*map(str, INPUTS), "--num-steps", "3", "--window", "most_notes",
                      "--temperature", "0", "--output-dir", str(out), "--seed", "5")
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("journey.mid", "journey.png", "strip.png", "inputs.txt", "endpoints.json"):
        assert (out / name).is_file(), name
    assert len((out / "inputs.txt").read_text().splitlines()) == 3
    model = fixture_model()
    windows = [select_from_file(path, model.config.converter, WindowChoice.from_config("most_notes"),
                                name=str(path)).events for path in INPUTS]
    expected = walk(model, windows, 3, temperature=0.0, seed=5)
    with np.load(out / "path.npz") as arrays:
        assert arrays["events"].shape == (5, 32)  # (3 - 1) legs * (3 - 1) + 1 points
        np.testing.assert_array_equal(arrays["events"], expected.events)


def test_one_input_or_a_missing_file_is_named(tmp_path):
    result = _journey(str(INPUTS[0]), "--output-dir", str(tmp_path / "a"))
    assert result.returncode == 1 and "at least two inputs" in result.stderr
    result = _journey(str(INPUTS[0]), str(tmp_path / "nope.mid"), "--output-dir", str(tmp_path / "b"))
    assert result.returncode == 1 and "nope.mid" in result.stderr
