"""A trio model through the whole workflow: config/examples/trio.yaml on generated multi-track
MIDI (melody, bass, drums) in a temporary directory, with `hierdec-trio_16bar_tiny` trained for a
few dozen steps; the training job is killed after a resume checkpoint and the rerun resumes from
it (as tests/test_workflow_train.py does for melody). Data, training, evaluation, samples, an
interpolation, attribute edits, music metrics, quality and MLflow checked. One workflow run
serves the whole module."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import mido
import numpy as np
import pandas as pd
import pytest
import yaml

from serenade.paths import REPO_ROOT

from testing.music_files import write_midi_tracks
from testing.workflow import model_runs, run_workflow_in, run_workflow_on, start_workflow_on

# One worker runs the whole module, so its costly module fixture is built once, not per worker.
pytestmark = pytest.mark.xdist_group("workflow_trio")

EXAMPLE = REPO_ROOT / "config" / "examples" / "trio.yaml"
CASES = REPO_ROOT / "tests" / "fixtures" / "magenta" / "trio" / "cases"
CONFIG = "hierdec-trio_16bar_tiny"
STEPS = 40
KILL_AFTER = 10  # the first resume checkpoint


def _band(path, seed: int, bars: int = 18):
    """`bars` bars of 4/4 at 120 qpm: a C-major melody (piano), a bass on the chord roots
    (program 33) and a rock beat with fills (drums): bars - 15 trio windows."""
    rng = np.random.default_rng(seed)
    beat = 0.5
    roots = [48, 43, 45, 41]  # C G A F
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    melody, bass, drums = [], [], []
    for bar in range(bars):
        start = 4 * bar * beat
        at = start
        while at < start + 4 * beat - 1e-6:
            length = beat * float(rng.choice([0.5, 1.0, 1.0, 2.0]))
            melody.append((int(rng.choice(scale)), at, min(at + 0.9 * length, start + 4 * beat)))
            at += length
        root = roots[bar % 4] - 12 * int(rng.integers(0, 2))
        for quarter in range(4):
            pitch = root + (7 if quarter % 2 else 0)
            bass.append((pitch, start + quarter * beat, start + (quarter + 0.8) * beat))
        for eighth in range(8):
            hit = start + eighth * beat / 2
            drums.append((42, hit, hit + 0.1))
            if eighth in (0, 4) or rng.random() < 0.1:
                drums.append((36, hit, hit + 0.1))
            if eighth in (2, 6):
                drums.append((38, hit, hit + 0.1))
        if bar % 4 == 3:
            drums.append((45 + int(rng.integers(0, 3)) * 2, start + 3.5 * beat, start + 3.6 * beat))
    return write_midi_tracks(path, [{"notes": melody, "program": 0, "name": "Lead"},
                                    {"notes": bass, "program": 33, "name": "Bass"},
                                    {"notes": drums, "is_drum": True, "name": "Kit"}], qpm=120)


def _checkpoint_steps(root: Path) -> list[int]:
    return sorted(int(re.search(r"ckpt-(\d+)", p.name).group(1))
                  for p in (root / "results" / "checkpoints").glob("trio-*/ckpt-*.npz"))


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = tmp_path_factory.mktemp("trio")
    midi = root / "midi"
    midi.mkdir()
    for path in sorted(CASES.glob("*.mid")):
        shutil.copy(path, midi / path.name)
    for seed in range(5):
        _band(midi / f"band{seed}.mid", seed)
    config = yaml.safe_load(EXAMPLE.read_text())
    config["sources"][0]["path"] = str(midi)
    config["data"]["workers"] = 1
    config["models"] = [{"name": "trio", "config": CONFIG,
                         "train": {"steps": STEPS, "batch_size": 4, "eval_every": 20,
                                   "checkpoint_every": KILL_AFTER, "eval_max_windows": 8,
                                   "scale_schedules": True}}]
    config["tracking"] = {"uri": f"sqlite:///{root / 'mlflow.db'}", "log_every": 10}
    generate = config["generate"]
    generate["sample"] = {"n": 2, "temperatures": [0.5, 1.0], "qpm": 120}
    generate["attributes"].update(max_train_windows=60, max_eval_windows=6)
    generate["metrics"] = {"max_windows": 30}
    generate["quality"] = {"samples": 16}

    # Data first, so the kill lands in training; then kill the training job (snakemake and its
    # job, no clean-up) once a resume checkpoint is written, and let the full run resume it.
    run_workflow_in(root, config, "--rerun-incomplete", "data", timeout=900)
    job = start_workflow_on(root, "--rerun-incomplete", "train")
    deadline = time.monotonic() + 900
    try:
        while not _checkpoint_steps(root):
            assert job.poll() is None, "snakemake ended before the kill"
            assert time.monotonic() < deadline, "no resume checkpoint appeared"
            time.sleep(0.1)
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
    killed_at = _checkpoint_steps(root)[-1]
    run_workflow_on(root, "--unlock", timeout=300)
    run = run_workflow_on(root, "--rerun-incomplete", timeout=2400)
    return {"root": root, "config": config, "run": run, "killed_at": killed_at,
            "out": root / "results" / "generated" / "trio"}


def _notes_by_channel(path) -> dict[int, int]:
    """Note-ons per MIDI channel (0-based: 9 is the GM drum channel 10)."""
    counts: dict[int, int] = {}
    for track in mido.MidiFile(path).tracks:
        for message in track:
            if message.type == "note_on" and message.velocity > 0:
                counts[message.channel] = counts.get(message.channel, 0) + 1
    return counts


def _programs_by_channel(path) -> dict[int, int]:
    return {message.channel: message.program for track in mido.MidiFile(path).tracks
            for message in track if message.type == "program_change"}


@pytest.mark.slow
def test_manifest_counts_trio_windows(work):
    manifest = pd.read_csv(work["root"] / "results" / "data" / "manifest.csv").set_index("path")
    column = f"windows_{CONFIG}"
    assert column in manifest.columns
    assert manifest.loc["pop_verse.mid", column] == 9
    assert manifest.loc["two_melodies.mid", column] == 10
    assert manifest.loc["no_bass.mid", column] == 0 and manifest.loc["flute_lead.mid", column] == 0
    assert manifest.loc["band0.mid", column] == 3
    summary = pd.read_csv(work["root"] / "results" / "data" / "summary.csv")
    assert column in summary.columns and summary[column].max() > 0


@pytest.mark.slow
def test_trained_checkpoint_resumed_and_finite_evaluation(work):
    root = work["root"]
    model = root / "results" / "models" / "trio"
    assert (model / "checkpoint" / "serenade.json").is_file()
    figures = json.loads((model / "eval.json").read_text())
    assert figures["windows"] > 0
    numbers = {k: v for k, v in figures.items() if isinstance(v, (int, float))}
    assert numbers and all(math.isfinite(v) for v in numbers.values()), figures
    killed_at = work["killed_at"]
    assert KILL_AFTER <= killed_at < STEPS
    log = (root / "results" / "logs" / "train" / "trio.log").read_text()
    resumed = [int(step) for step in re.findall(r"resuming from step (\d+)", log)]
    assert resumed and resumed[-1] >= killed_at, log[-3000:]
    assert _checkpoint_steps(root)[-1] == STEPS


@pytest.mark.slow
def test_samples_play_melody_bass_and_drums(work):
    samples = work["out"] / "samples"
    for label in ("t0.5", "t1"):
        for i in range(2):
            for suffix in (".mid", ".png", ".wav"):
                assert (samples / label / f"sample-{i:03d}{suffix}").is_file()
        assert (samples / label / "strip.png").stat().st_size > 2000
    with np.load(samples / "samples.npz") as arrays:
        events = arrays["events_t1"]
        assert events.shape == (2, 256, 3)
        assert events[..., :2].max() < 90 and events[..., 2].max() < 512
    from serenade.base.midi_parser import read_midi

    played = {0: 0, 1: 0, 9: 0}  # melody, bass and drum channels over every sample
    for path in sorted(samples.glob("*/sample-*.mid")):
        assert {n.program for n in read_midi(path).notes if not n.is_drum} <= {0, 33}
        for channel, count in _notes_by_channel(path).items():
            assert channel in played, (path, channel)
            played[channel] += count
        # the melody plays generate.program (0), the bass 33, the drums the GM drum channel
        assert _programs_by_channel(path).items() <= {0: 0, 1: 33, 9: 0}.items(), path
    assert played[0] and played[1] and played[9], played  # all three parts sound somewhere
    wav = samples / "t1" / "sample-000.wav"
    if shutil.which("sox"):
        info = subprocess.run(["sox", "--i", "-D", str(wav)], capture_output=True, text=True)
        assert float(info.stdout) > 20  # 16 bars at 120 qpm: 32 s
        stat = subprocess.run(["sox", str(wav), "-n", "stat"], capture_output=True, text=True)
        amplitude = float(re.search(r"Maximum amplitude:\s+([\d.]+)", stat.stderr).group(1))
        assert amplitude > 0.01, stat.stderr


@pytest.mark.slow
def test_interpolation_between_two_input_pieces(work):
    folder = work["out"] / "interpolations" / "verse_to_chords"
    for stem in ("step-00", "step-04", "interpolation"):
        for suffix in (".mid", ".png", ".wav"):
            assert (folder / f"{stem}{suffix}").is_file(), stem + suffix
    assert (folder / "strip.png").stat().st_size > 2000
    inputs = (folder / "inputs.txt").read_text()
    assert "band:pop_verse.mid: track 0" in inputs and "band:two_melodies.mid: track" in inputs
    with np.load(folder / "path.npz") as path:
        assert path["events"].shape == (5, 256, 3) and path["waypoints"].tolist() == [0, 4]
    ends = json.loads((folder / "endpoints.json").read_text())
    assert 0 <= ends["endpoint_match"] <= 1
    assert set(_notes_by_channel(folder / "interpolation.mid")) <= {0, 1, 9}


@pytest.mark.slow
def test_trio_attributes_and_metrics(work):
    effects = pd.read_csv(work["out"] / "attributes" / "effects.csv").set_index("attribute")
    assert list(effects.index) == ["melody_note_density", "hits_per_bar"]
    assert "change_bass_note_density" in effects.columns
    assert (work["out"] / "attributes" / "verse_busier_drums.mid").is_file()
    metrics = pd.read_csv(work["out"] / "metrics.csv").set_index("set")
    assert list(metrics.index) == ["samples_t0.5", "samples_t1", "interpolations_and_journeys",
                                   "train_vs_eval"]
    for column in ("part_distance", "mean_melody_note_density", "mean_bass_in_scale",
                   "mean_hits_per_bar", "oa_part_classes", "memorisation_rate"):
        assert column in metrics.columns, column
    assert "mean_in_scale" not in metrics.columns


@pytest.mark.slow
def test_quality_reports_trio_figures_and_which_targets_apply(work):
    figures = json.loads((work["out"] / "quality.json").read_text())
    for name in ("reconstruction.accuracy", "reconstruction.onset_accuracy",
                 "reconstruction.melody_onset_accuracy", "reconstruction.drums_onset_accuracy",
                 "reference.melody_onsets_per_bar", "reference.bass_onsets_per_bar",
                 "reference.hits_per_bar", "reference.melody_in_scale",
                 "samples_t0.5.melody_onsets_per_bar", "samples_t0.5.bass_onsets_per_bar",
                 "samples_t0.5.hits_per_bar", "samples_t0.5.near_empty",
                 "samples_t0.5.melody_under_4_notes", "samples_t1.kit_distance",
                 "interpolations.endpoint_match"):
        assert math.isfinite(figures[name]), name
    assert figures["reference.hits_per_bar"] > 4 and figures["reference.melody_in_scale"] > 0.9
    assert "samples_t0.5.in_scale" not in figures
    text = (work["out"] / "quality.txt").read_text()
    assert "on the samples' melody part" in text
    assert "reconstruction and interpolation targets do not apply" in text
    assert "samples_t0.5.melody_in_scale" in text and "samples_t0.5.bass_in_scale" in text
    assert (work["out"] / "reconstructions.png").stat().st_size > 5000


@pytest.mark.slow
def test_mlflow_holds_training_and_generation_runs(work):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(work["config"]["tracking"]["uri"])
    trained, children = model_runs(work["config"]["tracking"]["uri"], CONFIG)
    assert len(trained) == 1 and "loss" in trained[0].data.metrics  # the resumed run continued
    steps = [m.step for m in client.get_metric_history(trained[0].info.run_id, "loss")]
    assert min(steps) <= work["killed_at"] < max(steps) == STEPS
    assert set(children) == {"samples", "interpolation/verse_to_chords", "attributes",
                             "variations", "music_metrics", "quality"}
    assert 0 < children["variations"].data.metrics["variations.match"] <= 1
    assert "samples_t0.5.melody_in_scale" in children["quality"].data.metrics
    assert "samples_t0.5.oa_bass_note_density" in children["music_metrics"].data.metrics


@pytest.mark.slow
def test_report_builds(work):
    report = work["root"] / "report.html"
    run_workflow_on(work["root"], "--rerun-incomplete", "--report", str(report), timeout=600)
    assert report.stat().st_size > 10000
