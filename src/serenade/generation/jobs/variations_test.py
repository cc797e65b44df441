"""The variations job on Serenade's shipped 2-bar model and real folk-tune MIDI files."""

import json

import numpy as np
import pytest

from serenade.generation.jobs.context import JobContext
from serenade.generation.jobs.kinds import job_kind
from serenade.generation.jobs.variations import run_variations
from serenade.models import pretrained
from testing.fixtures import MAGENTA_FIXTURES

CASES = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases"
INPUTS = [str(CASES / "BlueStockingClog_0.mid"), str(CASES / "LordJamesMurraysReel_0.mid")]


def _context(tmp_path, folder: str, track: bool = False) -> JobContext:
    return JobContext(model_name="mel_2bar", config_name="cat-mel_2bar_small",
                      checkpoint=pretrained.resolve("pretrained:serenade_mel_2bar"),
                      out_dir=tmp_path / folder, results_dir=tmp_path, track=track,
                      tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")


def _run(ctx, distance, temperature=0.0, n=4):
    return run_variations(ctx, inputs=INPUTS, n=n, distance=distance, temperature=temperature,
                          seed=3, window="most_notes", qpm=None, sources=[])


def test_at_distance_zero_every_variation_is_the_reconstruction(tmp_path):
    out = _run(_context(tmp_path, "near", track=True), distance=0.0)
    for k in (1, 2):
        piece = out / f"piece-{k}"
        arrays = np.load(piece / "variations.npz")
        assert arrays["events"].shape == (4, 32)
        assert (arrays["events"] == arrays["original"][None]).all()
        for name in ["original", *(f"variation-{j:02d}" for j in range(4))]:
            assert (piece / f"{name}.mid").stat().st_size > 0
            assert (piece / f"{name}.png").stat().st_size > 0
        assert (piece / "strip.png").stat().st_size > 0
    summary = json.loads((out / "variations.json").read_text())
    assert [p["piece"] for p in summary["pieces"]] == ["piece-1", "piece-2"]
    assert "BlueStockingClog_0.mid" in summary["pieces"][0]["input"]

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    run = client.search_runs(client.search_experiments()[0].experiment_id)[0]
    assert run.data.params["distance"] == "0.0"
    assert run.data.metrics["variations.match"] == pytest.approx(summary["match"])


def test_variations_further_away_keep_less_of_the_piece(tmp_path):
    """Measured on these tunes (T 0): the reconstructions keep 0.68 of their onsets, variations
    at distance 0.1 0.58, at 0.3 0.29, at 1 (prior samples) 0.02."""
    def match(distance):
        out = _run(_context(tmp_path, f"d{distance}"), distance, n=8)
        return json.loads((out / "variations.json").read_text())["match"]

    near, middle, far = match(0.1), match(0.3), match(1.0)
    assert near > 0.45
    assert near > middle + 0.1 > far + 0.2


def test_a_distance_outside_zero_to_one_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="variations: distance must be in"):
        _run(_context(tmp_path, "bad"), distance=1.5)


def test_the_kind_reads_its_section_and_the_shared_values():
    kind = job_kind("variations")
    assert (kind.section, kind.folder, kind.named) == ("variations", "variations", False)
    assert kind.inputs({"pieces": ["auto", "a.mid"]}) == ["auto", "a.mid"]
    assert not kind.wanted({"pieces": []})
