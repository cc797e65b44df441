"""A multi-instrument performance model through the whole workflow: config/examples/polyphonic.yaml
on a few Bach chorales (four voices, one track each) and the two keyboard pieces of music21's
corpus, with `hier-multiperf_vel_1bar_tiny` trained for a few steps; data, training, samples,
an interpolation, attribute edits, music metrics, the quality check's polyphony figures, the
player page and the report checked on the files written (variations are left out: one job
less to trace). One workflow run serves the module."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from serenade.base.midi_parser import read_midi
from serenade.paths import REPO_ROOT

from testing.workflow import run_workflow_in, run_workflow_on

# One worker runs the whole module, so its costly module fixture is built once, not per worker.
pytestmark = pytest.mark.xdist_group("workflow_polyphonic")

EXAMPLE = REPO_ROOT / "config" / "examples" / "polyphonic.yaml"
CONFIG = "hier-multiperf_vel_1bar_tiny"
COLUMN = f"windows_{CONFIG}"
STEPS = 20


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = tmp_path_factory.mktemp("polyphonic")
    config = yaml.safe_load(EXAMPLE.read_text())
    # the chorales (a few) and the keyboard pieces: the quartets take minutes to export
    config["sources"] = [s for s in config["sources"] if s["name"] in ("chorales", "keyboard")]
    config["sources"][0]["music21"]["limit"] = 6
    config["data"].update(workers=1, eval_fraction=0.3)
    config["models"] = [{"name": "polyphonic", "config": CONFIG,
                         "train": {"steps": STEPS, "batch_size": 8, "eval_every": STEPS,
                                   "checkpoint_every": STEPS, "eval_max_windows": 16,
                                   "scale_schedules": True}}]
    config["tracking"] = {"uri": f"sqlite:///{root / 'mlflow.db'}", "log_every": 10}
    generate = config["generate"]
    generate["sample"] = {"n": 3, "temperatures": [0.5, 1.0], "qpm": 80}
    generate["attributes"].update(max_train_windows=80, max_eval_windows=12)
    generate["metrics"] = {"max_windows": 30}
    generate["quality"] = {"samples": 16}
    generate["variations"] = {"pieces": []}  # a job (~30 s of tracing) with nothing polyphonic
    run = run_workflow_in(root, config, timeout=1500)
    return {"root": root, "config": config, "run": run,
            "out": root / "results" / "generated" / "polyphonic"}


def _polyphony(path: Path) -> tuple[int, int, int]:
    """(instruments, most notes sounding at one onset, distinct velocities) of a MIDI file."""
    notes = [n for n in read_midi(path).notes if n.end_time > n.start_time]
    together = max((sum(o.start_time <= n.start_time < o.end_time for o in notes)
                    for n in notes), default=0)
    return len({n.instrument for n in notes}), together, len({n.velocity for n in notes})


@pytest.mark.slow
def test_manifest_counts_multiperf_windows(work):
    manifest = pd.read_csv(work["root"] / "results" / "data" / "manifest.csv")
    assert COLUMN in manifest.columns
    windows = manifest.set_index("path")[COLUMN]
    chorales = windows[windows.index.str.startswith("bach/")]
    assert len(chorales) == 6 and (chorales > 0).all(), windows
    # K. 545's exposition: 12 bars where both hands play (docs/training.md)
    assert windows[windows.index.str.contains("movement1_exposition")].tolist() == [12]
    model = work["root"] / "results" / "models" / "polyphonic"
    figures = json.loads((model / "eval.json").read_text())
    assert figures["windows"] > 0
    numbers = [v for v in figures.values() if isinstance(v, (int, float))]
    assert all(math.isfinite(v) for v in numbers), figures


@pytest.mark.slow
def test_samples_and_interpolation_keep_instruments_chords_and_velocities(work):
    samples = sorted((work["out"] / "samples").glob("t*/sample-*.mid"))
    assert len(samples) == 6
    for path in samples:
        for suffix in (".png", ".wav"):
            assert path.with_suffix(suffix).is_file()
    measured = [_polyphony(path) for path in samples]
    # over the samples: several instruments, simultaneous notes and several velocities
    assert max(instruments for instruments, _, _ in measured) >= 2, measured
    assert max(together for _, together, _ in measured) >= 2, measured
    assert max(velocities for _, _, velocities in measured) >= 2, measured
    folder = work["out"] / "interpolations" / "chorale_to_chorale"
    for stem in ("step-00", "step-04", "interpolation"):
        for suffix in (".mid", ".png", ".wav"):
            assert (folder / f"{stem}{suffix}").is_file(), stem + suffix
    with np.load(folder / "path.npz") as path:
        assert path["events"].shape == (5, 512)
    assert 0 <= json.loads((folder / "endpoints.json").read_text())["endpoint_match"] <= 1
    instruments, together, velocities = _polyphony(folder / "interpolation.mid")
    assert instruments >= 2 and together >= 2, (instruments, together, velocities)
    inputs = (folder / "inputs.txt").read_text().splitlines()
    assert len(inputs) == 2 and all(", bars " in line for line in inputs), inputs
    start, end = inputs[0].split(", bars ")[1].split(" ")[0].split("-")
    assert start == end  # a window is one bar


@pytest.mark.slow
def test_attributes_and_metrics_measure_polyphony(work):
    effects = pd.read_csv(work["out"] / "attributes" / "effects.csv").set_index("attribute")
    assert {"notes_per_bar", "polyphony"} <= set(effects.index)
    assert "note_density" not in effects.index  # no melody attribute for a performance
    # pieces: auto: a keyboard piece pushed towards `chorale`, a chorale towards `keyboard`
    for name in ("more_chorale", "more_keyboard"):
        instruments, _, _ = _polyphony(work["out"] / "attributes" / f"{name}.mid")
        assert instruments >= 2, name
    metrics = pd.read_csv(work["out"] / "metrics.csv").set_index("set")
    for column in ("mean_notes_per_bar", "mean_polyphony", "mean_in_scale", "velocity_distance",
                   "oa_polyphony", "memorisation_rate"):
        assert column in metrics.columns, column
    assert "mean_pitch_range" not in metrics.columns


@pytest.mark.slow
def test_quality_reports_polyphony_beside_the_eval_windows(work):
    figures = json.loads((work["out"] / "quality.json").read_text())
    for name in ("reference.notes_per_bar", "reference.polyphony", "reference.in_scale",
                 "samples_t0.5.notes_per_bar", "samples_t0.5.polyphony",
                 "samples_t0.5.in_scale", "samples_t0.5.velocity_distance",
                 "samples_t1.velocity_distance", "reconstruction.onset_accuracy"):
        assert math.isfinite(figures[name]), name
    assert figures["reference.polyphony"] > 2  # chorales: four voices together
    assert not any("bar_repeat" in name or "posterior_use" in name for name in figures)
    text = (work["out"] / "quality.txt").read_text()
    assert "the polyphony targets only" in text
    assert "samples_t0.5.polyphony" in text and "samples_t0.5.velocity_distance" in text


@pytest.mark.slow
def test_player_page_and_report(work):
    page = (work["out"] / "player.html").read_text()
    assert "chorale_to_chorale" in page and "sample-000" in page
    report = work["root"] / "report.html"
    run_workflow_on(work["root"], "--report", str(report), timeout=600)
    assert report.stat().st_size > 10000
