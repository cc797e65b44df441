"""Which models the workflow leaves out: those whose config finds no window in the train split."""

import csv

from serenade.config import load_config
from serenade.conversion.columns import WINDOW_COLUMNS
from serenade.paths import REPO_ROOT
from serenade.pipeline import layout, models

HEADER = ["source", "path", "status", "split", *WINDOW_COLUMNS]


def _manifest(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow(dict(zip(HEADER, row)))
    return path


def test_the_default_16bar_model_is_left_out_only_without_a_16bar_training_window(tmp_path):
    config = load_config(REPO_ROOT / "config" / "config.yaml")
    names = [m["name"] for m in config["models"]]
    short = _manifest(tmp_path / "short.csv", [
        ("mine", "a.mid", "ok", "train", 12, 0), ("mine", "b.mid", "ok", "eval", 3, 2),
        ("mine", "c.mid", "error", "", "", "")])
    skipped = models.without_windows(config, short)
    assert list(skipped) == ["mel_16bar"]
    assert "none of the 1 training pieces" in skipped["mel_16bar"]
    assert "windows_16bar" in skipped["mel_16bar"]
    assert models.targets(config, skipped) == [
        f"{layout.model_dir(names[0])}/checkpoint", f"{layout.model_dir(names[0])}/eval.json"]
    long = _manifest(tmp_path / "long.csv", [
        ("mine", "a.mid", "ok", "train", 12, 0), ("mine", "d.mid", "ok", "train", 40, 3)])
    assert models.without_windows(config, long) == {}
    assert len(models.targets(config, {})) == 2 * len(names)
