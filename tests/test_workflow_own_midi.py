"""The README's first suggestion, for real: the shipped config/config.yaml with `sources:`
replaced by one folder of unlabelled MIDI runs the whole workflow. Only the training is cut
short (the same fine-tune of the shipped model, 20 steps) and audio is off, to stay fast."""

from __future__ import annotations

import re
import shutil

import note_seq
import pandas as pd
import pytest
import yaml
from note_seq import sequences_lib

from serenade.base.midi_parser import read_midi

from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT

from testing.workflow import run_snakemake


@pytest.mark.slow
def test_one_unlabelled_folder_goes_through_the_whole_workflow(tmp_path):
    folder = tmp_path / "my midi"
    shutil.copytree(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases", folder)
    with open(REPO_ROOT / "config" / "config.yaml", encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    config["sources"] = [{"name": "mine", "path": str(folder)}]
    for entry in config["models"]:
        entry["train"].update(steps=20, eval_every=10, checkpoint_every=10, eval_max_windows=32)
    model, phrases = config["models"]
    assert phrases["config"] == "hier-mel_16bar_2bar_units"
    config["tracking"]["uri"] = f"sqlite:///{tmp_path / 'mlflow.db'}"
    generate = config["generate"]
    generate["audio"]["enabled"] = False
    generate["sample"]["n"] = 2
    generate["attributes"].update(max_train_windows=200, max_eval_windows=16)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))

    run_snakemake("-s", str(REPO_ROOT / "Snakefile"), "--directory", str(tmp_path), "--cores", "2")

    manifest = pd.read_csv(tmp_path / "results" / "data" / "manifest.csv", keep_default_na=False)
    usable = set(manifest[(manifest["status"] == "ok") & (manifest["windows_2bar"] > 0)]["path"])
    out = tmp_path / "results" / "generated" / model["name"]
    pair = generate["interpolations"][0]["name"]
    journey = generate["journeys"][0]["name"]
    for kind, name, count in (("interpolations", pair, 2), ("journeys", journey, 4)):
        lines = (out / kind / name / "inputs.txt").read_text().splitlines()
        picked = [line.split(": track")[0].removeprefix("mine:") for line in lines]
        assert len(set(picked)) == count and set(picked) <= usable, lines
    # no label on the only source: one piece edited along the first computed attribute
    attributes = out / "attributes"
    assert (attributes / "less_note_density.mid").is_file()
    effects = pd.read_csv(attributes / "effects.csv")
    assert list(effects["attribute"]) == ["note_density", "pitch_range", "mean_interval"]
    assert (out / "quality.txt").is_file() and (out / "metrics.csv").is_file()
    # The same for whole phrases: 16-bar samples, and a quality check that measures structure
    phrases_out = tmp_path / "results" / "generated" / phrases["name"]
    sample = read_midi(sorted((phrases_out / "samples").glob("t*/sample-000.mid"))[0])
    bar_s = 4 * 60.0 / generate["sample"]["qpm"]
    assert 8 * bar_s < max(note.end_time for note in sample.notes) <= 16 * bar_s + 1e-6
    assert "bar_repeat_share" in (phrases_out / "quality.txt").read_text()
    walk = (phrases_out / "interpolations" / pair / "inputs.txt").read_text()
    assert walk.count("bars ") == 2 and all(
        int(b) - int(a) == 15 for a, b in re.findall(r"bars (\d+)-(\d+)", walk)), walk


@pytest.mark.slow
def test_short_clips_leave_the_16bar_model_out_and_say_so(tmp_path):
    """Four-bar clips hold no 16-bar phrase: the default config's 16-bar model is left out with
    one notice naming it and why, and the 2-bar model trains as usual."""
    folder = tmp_path / "clips"
    folder.mkdir()
    for path in sorted((MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases").glob("*.mid")):
        sequence = read_midi(path)
        qpm = sequence.tempos[0].qpm if sequence.tempos else 120.0
        clip = sequences_lib.extract_subsequence(sequence, 0.0, 4 * 4 * 60.0 / qpm)
        note_seq.sequence_proto_to_midi_file(clip, str(folder / path.name))
    with open(REPO_ROOT / "config" / "config.yaml", encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    config["sources"] = [{"name": "clips", "path": str(folder)}]
    for entry in config["models"]:
        entry["train"].update(steps=5, eval_every=5, checkpoint_every=5, eval_max_windows=16)
    config["tracking"]["uri"] = f"sqlite:///{tmp_path / 'mlflow.db'}"
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))

    run = run_snakemake("-s", str(REPO_ROOT / "Snakefile"), "--directory", str(tmp_path),
                        "--cores", "2", "train")

    manifest = pd.read_csv(tmp_path / "results" / "data" / "manifest.csv", keep_default_na=False)
    train = manifest[(manifest["status"] == "ok") & (manifest["split"] == "train")]
    assert train["windows_2bar"].sum() > 0 and train["windows_16bar"].sum() == 0
    two_bar, phrases = (entry["name"] for entry in config["models"])
    notice = f"model {phrases} (hier-mel_16bar_2bar_units) is left out: none of the {len(train)} training"
    assert run.stderr.count(notice) == 1, run.stderr[-3000:]
    assert (tmp_path / "results" / "models" / two_bar / "checkpoint").exists()
    assert not (tmp_path / "results" / "models" / phrases).exists()
