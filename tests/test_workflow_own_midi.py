"""The README's first suggestion, for real: the shipped config/config.yaml with `sources:`
replaced by one folder of unlabelled MIDI runs the whole workflow. Only the training is cut
short (the same fine-tune of the shipped model, 20 steps) and audio is off, to stay fast."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT

from testing.workflow import run_snakemake


@pytest.mark.slow
def test_one_unlabelled_folder_goes_through_the_whole_workflow(tmp_path):
    folder = tmp_path / "my midi"
    shutil.copytree(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases", folder)
    with open(REPO_ROOT / "config" / "config.yaml", encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    config["sources"] = [{"name": "mine", "path": str(folder)}]
    model = config["models"][0]
    model["train"].update(steps=20, eval_every=10, checkpoint_every=10, eval_max_windows=32)
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
