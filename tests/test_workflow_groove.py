"""A GrooVAE model through the whole workflow: config/examples/groove.yaml (the groove fixture
performances beside General MIDI kits) in a temporary directory, with `groovae_2bar_tiny`
trained for a few dozen steps; data (window counts, kits counted 0 with their reason),
training, evaluation, samples, an interpolation, a journey, held-out grooves humanized, the
groove quality check, the player page and MLflow checked on the files written. One workflow run
serves the whole module."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml

from serenade.base.midi_parser import read_midi
from serenade.paths import REPO_ROOT

from testing.workflow import model_runs, run_workflow_in

# One worker runs the whole module, so its costly module fixture is built once, not per worker.
pytestmark = pytest.mark.xdist_group("workflow_groove")

EXAMPLE = REPO_ROOT / "config" / "examples" / "groove.yaml"
COLUMN = "windows_groovae_2bar_tiny"
STEPS = 40


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = tmp_path_factory.mktemp("groove")
    config = yaml.safe_load(EXAMPLE.read_text())
    for source in config["sources"]:
        source["path"] = str(REPO_ROOT / source["path"])
    config["data"]["workers"] = 1
    config["models"][0]["train"].update(steps=STEPS, eval_every=20, checkpoint_every=20)
    config["tracking"] = {"uri": f"sqlite:///{root / 'mlflow.db'}", "log_every": 10}
    config["generate"]["sample"] = {"n": 3, "temperatures": [0.5, 1.0], "qpm": 110}
    # 40 steps learn velocities and timing but not yet enough hits for a greedy decode (it
    # plays nothing): hits drawn at temperature 1 here, the example's 3,000 steps use 0
    config["generate"]["humanize"].update(files=2, temperature=1.0)
    run = run_workflow_in(root, config)
    return {"root": root, "config": config, "run": run,
            "out": root / "results" / "generated" / "groove"}


def _performance(path) -> tuple[int, int, float]:
    """(drum notes, distinct velocities, share of onsets off the 16th-note grid by > 1 ms)."""
    sequence = read_midi(path)
    notes = [n for n in sequence.notes if n.is_drum]
    step = 60.0 / sequence.tempos[0].qpm / 4
    off = [abs(n.start_time / step - round(n.start_time / step)) * step > 0.001 for n in notes]
    return len(notes), len({n.velocity for n in notes}), float(np.mean(off)) if off else 0.0


@pytest.mark.slow
def test_manifest_counts_groove_windows_and_says_why_a_kit_gives_none(work):
    manifest = pd.read_csv(work["root"] / "results" / "data" / "manifest.csv")
    rows = manifest.set_index(["source", "path"])
    assert rows.loc[("grooves", "0_funk_97.mid"), COLUMN] == 4
    assert rows.loc[("grooves", "4_waltz_3_4.mid"), COLUMN] == 0
    kits = rows.loc["kits"]
    assert (kits["status"] == "ok").all() and (kits[COLUMN] == 0).all()
    assert f"{COLUMN} is 0: pitch 39" in kits.loc["6_gaps.mid", "reason"]
    train = manifest[(manifest["split"] == "train") & (manifest["status"] == "ok")]
    assert train[COLUMN].sum() > 0


@pytest.mark.slow
def test_trained_checkpoint_and_finite_evaluation(work):
    model = work["root"] / "results" / "models" / "groove"
    assert json.loads((model / "checkpoint" / "serenade.json").read_text())
    figures = json.loads((model / "eval.json").read_text())
    assert figures["windows"] > 0
    numbers = {k: v for k, v in figures.items() if isinstance(v, (int, float))}
    assert numbers and all(math.isfinite(v) for v in numbers.values()), figures


@pytest.mark.slow
def test_samples_and_walks_are_performances(work):
    samples = sorted((work["out"] / "samples").glob("t*/sample-*.mid"))
    assert len(samples) == 6
    for path in samples:
        assert path.with_suffix(".png").is_file() and path.with_suffix(".wav").is_file()
    with np.load(work["out"] / "samples" / "samples.npz") as arrays:
        assert arrays["events_t1"].shape == (3, 32, 27)
    measured = [_performance(p) for p in samples]
    assert max(v for _, v, _ in measured) >= 3, measured  # velocities vary
    assert max(off for _, _, off in measured) > 0.2, measured  # onsets off the grid
    folder = work["out"] / "interpolations" / "funk_to_shuffle"
    for stem in ("step-00", "step-04", "interpolation"):
        for suffix in (".mid", ".png", ".wav"):
            assert (folder / f"{stem}{suffix}").is_file(), stem + suffix
    with np.load(folder / "path.npz") as path:
        assert path["events"].shape == (5, 32, 27) and path["waypoints"].tolist() == [0, 4]
    assert 0 <= json.loads((folder / "endpoints.json").read_text())["endpoint_match"] <= 1
    assert "grooves:0_funk_97.mid: drums, bars" in (folder / "inputs.txt").read_text()
    notes, velocities, off = _performance(folder / "interpolation.mid")
    assert notes > 0 and velocities >= 3 and off > 0.2
    with np.load(work["out"] / "journeys" / "funk_rock_shuffle" / "path.npz") as path:
        assert path["events"].shape == (5, 32, 27)


@pytest.mark.slow
def test_humanized_eval_grooves_with_their_figures(work):
    folder = work["out"] / "humanized"
    figures = json.loads((folder / "quality.json").read_text())
    assert 1 <= len(figures["pieces"]) <= 2
    pooled = figures["pooled"]
    assert 0 < pooled["hit_f1"] <= 1 and pooled["output_hits"] > 0, pooled
    assert math.isfinite(pooled["velocity_error"]) and math.isfinite(pooled["timing_error_ms"])
    assert "hit F1" in (folder / "quality.txt").read_text()
    stem = figures["pieces"][0]["stem"]
    for label in ("performance", "quantized", "humanized"):
        for suffix in (".mid", ".png", ".wav"):
            assert (folder / f"{stem}-{label}{suffix}").is_file(), label + suffix
    quantized = _performance(folder / f"{stem}-quantized.mid")
    humanized = _performance(folder / f"{stem}-humanized.mid")
    assert quantized[1] == 1 and quantized[2] == 0  # one velocity, on the grid
    assert humanized[1] >= 3 and humanized[2] > 0.2, humanized  # the model put them back


@pytest.mark.slow
def test_quality_is_the_groove_figures_and_the_player_plays_everything(work):
    figures = json.loads((work["out"] / "quality.json").read_text())
    assert 0 <= figures["reconstruction.hit_f1"] <= 1
    assert figures["reconstruction.reference_hits"] > 0
    # greedy reconstructions of a 40-step model may hit nothing (no shared hits: NaN errors)
    assert {"reconstruction.velocity_error", "reconstruction.timing_error_ms"} <= set(figures)
    assert 0 <= figures["interpolations.endpoint_match"] <= 1
    assert not any("in_scale" in name or "hits_per_bar" in name for name in figures)
    assert "hit F1" in (work["out"] / "quality.txt").read_text()
    assert (work["out"] / "reconstructions.png").stat().st_size > 5000
    assert not (work["out"] / "metrics.csv").exists()  # no music metrics of class windows
    assert not (work["out"] / "attributes").exists()
    page = (work["out"] / "player.html").read_text()
    assert "humanized" in page and "funk_to_shuffle" in page


@pytest.mark.slow
def test_mlflow_holds_training_and_generation_runs(work):
    trained, children = model_runs(work["config"]["tracking"]["uri"], "groovae_2bar_tiny")
    assert len(trained) == 1 and "loss" in trained[0].data.metrics
    assert set(children) == {"samples", "interpolation/funk_to_shuffle",
                             "journey/funk_rock_shuffle", "humanize", "quality"}
    assert 0 <= children["humanize"].data.metrics["humanize.hit_f1"] <= 1
    assert "reconstruction.hit_f1" in children["quality"].data.metrics
