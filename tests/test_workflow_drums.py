"""A drum model through the whole workflow: config/examples/drums.yaml on drum MIDI in a
temporary directory, with `cat-drums_2bar_tiny` trained for a few dozen steps; data, training,
evaluation, samples, an interpolation, a journey, attribute edits, music metrics, quality and
MLflow checked. One workflow run serves the whole module."""

from __future__ import annotations

import json
import math
import shutil

import mido
import numpy as np
import pandas as pd
import pytest
import yaml

from serenade.paths import REPO_ROOT

from testing.fixtures import DRUM_FIXTURES
from testing.music_files import write_midi_tracks
from testing.workflow import model_runs, run_workflow_in

# One worker runs the whole module, so its costly module fixture is built once, not per worker.
pytestmark = pytest.mark.xdist_group("workflow_drums")

EXAMPLE = REPO_ROOT / "config" / "examples" / "drums.yaml"
STEPS = 40


def _backbeat(path, seed: int):
    """Eight bars of kick, snare and hi-hats at 100 qpm beside a bass line (a pitched track)."""
    rng = np.random.default_rng(seed)
    second = 60 / 100  # seconds per beat
    hits = []
    for bar in range(8):
        for eighth in range(8):
            at = (4 * bar + eighth / 2) * second
            hits.append((42 if rng.random() < 0.8 else 46, at, at + 0.1))
            if eighth in (0, 5) or rng.random() < 0.15:
                hits.append((36, at, at + 0.1))
            if eighth in (2, 6):
                hits.append((38, at, at + 0.1))
    bass = [(36 + int(rng.integers(0, 12)), 2 * i * second, (2 * i + 1.5) * second)
            for i in range(16)]
    return write_midi_tracks(path, [{"notes": hits, "is_drum": True, "name": "Kit"},
                                    {"notes": bass, "program": 33, "name": "Bass"}], qpm=100)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = tmp_path_factory.mktemp("drums")
    midi = root / "midi"
    midi.mkdir()
    for path in sorted((DRUM_FIXTURES / "cases").glob("*.mid")):
        shutil.copy(path, midi / path.name)
    for seed in range(6):
        _backbeat(midi / f"backbeat{seed}.mid", seed)
    config = yaml.safe_load(EXAMPLE.read_text())
    config["sources"][0]["path"] = str(midi)
    config["data"]["workers"] = 1
    config["models"] = [{"name": "drums", "config": "cat-drums_2bar_tiny",
                         "train": {"steps": STEPS, "batch_size": 16, "eval_every": 20,
                                   "checkpoint_every": 20, "eval_max_windows": 32,
                                   "scale_schedules": True}}]
    config["tracking"] = {"uri": f"sqlite:///{root / 'mlflow.db'}", "log_every": 10}
    generate = config["generate"]
    generate["sample"] = {"n": 3, "temperatures": [0.5, 1.0], "qpm": 110}
    generate["attributes"].update(max_train_windows=200, max_eval_windows=12)
    generate["metrics"] = {"max_windows": 40}
    run = run_workflow_in(root, config, timeout=1500)
    return {"root": root, "config": config, "run": run,
            "out": root / "results" / "generated" / "drums"}


def _drum_channels(path) -> set[int]:
    """MIDI channels of the note-ons of a file (0-based: 9 is the GM drum channel 10)."""
    return {message.channel for track in mido.MidiFile(path).tracks for message in track
            if message.type == "note_on" and message.velocity > 0}


@pytest.mark.slow
def test_manifest_counts_drum_windows(work):
    manifest = pd.read_csv(work["root"] / "results" / "data" / "manifest.csv").set_index("path")
    column = "windows_cat-drums_2bar_tiny"
    assert column in manifest.columns and "windows_2bar" in manifest.columns
    assert manifest.loc["0_rock.mid", column] == 5
    assert manifest.loc["5_waltz_3_4.mid", column] == 0
    assert manifest.loc["backbeat0.mid", column] > 0
    summary = pd.read_csv(work["root"] / "results" / "data" / "summary.csv")
    assert column in summary.columns


@pytest.mark.slow
def test_trained_checkpoint_and_finite_evaluation(work):
    model = work["root"] / "results" / "models" / "drums"
    assert (model / "checkpoint" / "serenade.json").is_file()
    figures = json.loads((model / "eval.json").read_text())
    assert figures["windows"] > 0
    numbers = {k: v for k, v in figures.items() if isinstance(v, (int, float))}
    assert numbers and all(math.isfinite(v) for v in numbers.values()), figures


@pytest.mark.slow
def test_samples_are_drums_on_channel_10(work):
    samples = work["out"] / "samples"
    for label in ("t0.5", "t1"):
        for i in range(3):
            for suffix in (".mid", ".png", ".wav"):
                assert (samples / label / f"sample-{i:03d}{suffix}").is_file()
        assert (samples / label / "strip.png").stat().st_size > 2000
    with np.load(samples / "samples.npz") as arrays:
        events = arrays["events_t1"]
        assert events.shape == (3, 32) and events.max() < 512
    from serenade.base.midi_parser import read_midi

    played = [p for p in sorted(samples.glob("*/sample-*.mid")) if read_midi(p).notes]
    assert played, "every sample is silent"
    for path in played:
        sequence = read_midi(path)
        assert all(note.is_drum for note in sequence.notes)
        assert _drum_channels(path) == {9}


@pytest.mark.slow
def test_interpolation_and_journey_between_input_grooves(work):
    folder = work["out"] / "interpolations" / "rock_to_bossa"
    for stem in ("step-00", "step-04", "interpolation"):
        for suffix in (".mid", ".png", ".wav"):
            assert (folder / f"{stem}{suffix}").is_file(), stem + suffix
    assert (folder / "strip.png").is_file()
    inputs = (folder / "inputs.txt").read_text()
    assert "kits:0_rock.mid: track 0" in inputs and "kits:3_bossa_2_2.mid: track 0" in inputs
    with np.load(folder / "path.npz") as path:
        assert path["events"].shape == (5, 32) and path["waypoints"].tolist() == [0, 4]
    ends = json.loads((folder / "endpoints.json").read_text())
    assert 0 <= ends["endpoint_match"] <= 1
    assert _drum_channels(folder / "interpolation.mid") <= {9}
    journey = work["out"] / "journeys" / "rock_funk_shuffle"
    with np.load(journey / "path.npz") as path:
        assert path["events"].shape == (5, 32)


@pytest.mark.slow
def test_drum_attributes_and_metrics(work):
    effects = pd.read_csv(work["out"] / "attributes" / "effects.csv").set_index("attribute")
    assert list(effects.index) == ["hits_per_bar", "kick_per_bar"]
    assert "change_snare_per_bar" in effects.columns
    assert (work["out"] / "attributes" / "funk_busier.mid").is_file()
    metrics = pd.read_csv(work["out"] / "metrics.csv").set_index("set")
    assert list(metrics.index) == ["samples_t0.5", "samples_t1", "interpolations_and_journeys",
                                   "train_vs_eval"]
    for column in ("kit_distance", "mean_hits_per_bar", "mean_kick_per_bar", "oa_hits_per_bar",
                   "oa_kit_pieces", "memorisation_rate"):
        assert column in metrics.columns, column
    assert "mean_in_scale" not in metrics.columns


@pytest.mark.slow
def test_quality_reports_drum_figures_and_their_targets(work):
    figures = json.loads((work["out"] / "quality.json").read_text())
    for name in ("reconstruction.accuracy", "reconstruction.onset_accuracy",
                 "reference.hits_per_bar", "reference.near_empty", "samples_t0.5.hits_per_bar",
                 "samples_t0.5.near_empty", "samples_t1.kit_distance",
                 "interpolations.endpoint_match"):
        assert math.isfinite(figures[name]), name
    assert figures["reference.hits_per_bar"] > 1
    assert not any("in_scale" in name or "under_4_notes" in name for name in figures)
    text = (work["out"] / "quality.txt").read_text()
    assert "melody targets of docs/quality.md apply to melody models" in text
    assert "samples_t0.5.hits_per_bar" in text and "in_scale" not in text
    assert (work["out"] / "reconstructions.png").stat().st_size > 5000


@pytest.mark.slow
def test_mlflow_holds_training_and_generation_metrics(work):
    trained, children = model_runs(work["config"]["tracking"]["uri"], "cat-drums_2bar_tiny")
    assert len(trained) == 1 and "loss" in trained[0].data.metrics
    assert set(children) == {"samples", "interpolation/rock_to_bossa",
                             "journey/rock_funk_shuffle", "attributes", "variations", "music_metrics",
                             "quality"}
    assert 0 < children["variations"].data.metrics["variations.match"] <= 1
    assert "samples_t0.5.hits_per_bar" in children["quality"].data.metrics
    assert "samples_t0.5.oa_kick_per_bar" in children["music_metrics"].data.metrics
