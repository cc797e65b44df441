"""A chord-conditioned model through the whole workflow: config/examples/lead_sheet.yaml on Bach
chorales from music21's corpus (chords inferred from their four voices), with
`cat-mel_2bar_med_chords_tiny` trained for a few dozen steps; data, training, samples over the
configured progression, an interpolation and a journey over the inputs' own chords, attribute
edits, music metrics, quality, the player page and MLflow checked. One workflow run serves the
whole module."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from serenade.base.midi_parser import read_midi
from serenade.chords import encoding, voicing
from serenade.conversion import converter_for_config
from serenade.melody import events as ev
from serenade.paths import REPO_ROOT

from testing.music_files import midi_text_events
from testing.workflow import run_workflow_in, run_workflow_on

# One worker runs the whole module, so its costly module fixture is built once, not per worker.
pytestmark = [pytest.mark.xdist_group("workflow_chords"), pytest.mark.slow]  # a whole workflow run

EXAMPLE = REPO_ROOT / "config" / "examples" / "lead_sheet.yaml"
CONFIG = "cat-mel_2bar_med_chords_tiny"
COLUMN = f"windows_{CONFIG}"
STEPS = 40
PROGRESSION = "Dm G C A"
QPM = 90


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = tmp_path_factory.mktemp("lead_sheet")
    config = yaml.safe_load(EXAMPLE.read_text())
    config["sources"][0]["music21"]["limit"] = 24
    config["data"].update(workers=1, eval_fraction=0.25, train_shards=1)
    config["models"] = [{"name": "lead_sheet", "config": CONFIG,
                         "train": {"steps": STEPS, "batch_size": 16, "eval_every": 20,
                                   "checkpoint_every": 20, "eval_max_windows": 32,
                                   "scale_schedules": True}}]
    config["tracking"] = {"uri": f"sqlite:///{root / 'mlflow.db'}", "log_every": 10}
    generate = config["generate"]
    generate["chords"] = PROGRESSION
    generate["sample"] = {"n": 3, "temperatures": [0.5, 1.0], "qpm": QPM}
    generate["interpolations"][0]["num_steps"] = 5
    generate["journeys"][0].update(inputs=["auto", "auto", "auto"], num_steps=3)
    generate["attributes"].update(max_train_windows=300, max_eval_windows=24)
    generate["metrics"] = {"max_windows": 40}
    generate["audio"] = {"enabled": False}
    run_workflow_in(root, config, timeout=1500)
    return {"root": root, "config": config, "out": root / "results" / "generated" / "lead_sheet"}


def test_the_manifest_counts_chord_windows(work):
    manifest = pd.read_csv(work["root"] / "results" / "data" / "manifest.csv")
    assert COLUMN in manifest.columns
    valid = manifest[manifest["status"] == "ok"]
    assert len(valid) == 24 and (valid[COLUMN] > 0).mean() > 0.8  # chords inferred


def test_samples_are_melodies_over_the_configured_progression(work):
    out = work["out"] / "samples"
    with np.load(out / "samples.npz") as arrays:
        chords = arrays["chords"]
        events = arrays["events_t0.5"]
    assert [encoding.decode_chord(int(c)) for c in chords[::8]] == PROGRESSION.split()
    for index, row in enumerate(events):
        path = out / "t0.5" / f"sample-{index:03d}.mid"
        # four chords in two bars of 4/4: one every two beats
        assert midi_text_events(path) == [(0.0, "Dm"), (2.0, "G"), (4.0, "C"), (6.0, "A")]
        sequence = read_midi(path)
        melody = [n for n in sequence.notes if n.instrument != voicing.INSTRUMENT]
        played = [n for n in sequence.notes if n.instrument == voicing.INSTRUMENT]
        assert len(melody) == int(np.sum(row >= ev.NOTE_OFF + 1))
        octave = voicing.octave_under([n.pitch for n in melody])
        assert sorted({n.pitch for n in played if n.start_time < 1e-6}) == \
            voicing.pitches(encoding.encode_chord("Dm"), octave)


def test_walks_go_over_the_inputs_own_chords(work):
    converter = converter_for_config(CONFIG)
    manifest = pd.read_csv(work["root"] / "results" / "data" / "manifest.csv")
    for kind, name, points in (("interpolations", "two_chorales", 5),
                               ("journeys", "four_chorales", 5)):
        folder = work["out"] / kind / name
        with np.load(folder / "path.npz") as path:
            chords, waypoints = path["chords"], path["waypoints"].tolist()
        assert chords.shape == (points, 32)
        chosen = [line.split(": track")[0] for line in
                  (folder / "inputs.txt").read_text().splitlines()]
        for spec, point in zip(chosen, waypoints):
            source, relative = spec.split(":", 1)
            row = manifest[(manifest["source"] == source) & (manifest["path"] == relative)]
            midi = work["root"] / row["file"].iloc[0]  # where the workflow keeps the file
            own = [w.controls for w in converter.located_windows(read_midi(midi))]
            assert any(np.array_equal(chords[point], c) for c in own), spec
        endpoints = json.loads((folder / "endpoints.json").read_text())
        assert 0.0 <= endpoints["endpoint_match"] <= 1.0


def test_attribute_edits_quality_metrics_and_player(work):
    out = work["out"]
    edited = sorted((out / "attributes").glob("*.mid"))
    assert edited and all(midi_text_events(path) for path in edited)  # every edit keeps its chords
    effects = pd.read_csv(out / "attributes" / "effects.csv")
    assert set(effects["attribute"]) == {"note_density", "pitch_range", "mean_interval"}
    figures = json.loads((out / "quality.json").read_text())
    assert figures["reconstruction.windows"] > 0
    assert all(math.isfinite(figures[key]) for key in
               ("reconstruction.onset_accuracy", "samples_t0.5.in_scale", "reference.in_scale"))
    metrics = pd.read_csv(out / "metrics.csv")
    assert {"samples_t0.5", "samples_t1", "train_vs_eval"} <= set(metrics["set"])
    page = (out / "player.html").read_text()
    assert page.count("<svg") >= 6


def test_a_new_progression_reruns_only_what_it_changes(work):
    root = work["root"]
    config = dict(work["config"])
    config["generate"] = dict(config["generate"], chords="Am F C G")
    changed = root / "config" / "changed.yaml"
    changed.write_text(yaml.safe_dump(config))
    run = run_workflow_on(root, "--configfile", str(changed), "-n", timeout=300)
    planned = set(re.findall(r"^(?:local)?rule (\w+):", run.stdout, re.MULTILINE))
    assert {"sample", "quality"} <= planned
    assert not planned & {"train_model", "interpolate", "journey", "attributes", "build_dataset"}
