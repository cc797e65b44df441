"""The generation rules for real: a tiny config in a temporary directory, the magenta fixture
checkpoint imported as the model, every generation rule run through snakemake, MLflow checked,
and the HTML report opened in headless Chromium. One workflow run serves the whole module."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import wave

import numpy as np
import pandas as pd
import pytest
import yaml

from chromium import chromium_evaluate, find_chromium
from serenade.models.checkpoint import load_model
from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT

from testing.fixtures import fixture_checkpoint
from testing.music_files import write_midi_tracks
from testing.workflow import run_snakemake

# One worker runs the whole module, so its costly module fixture is built once, not per worker.
pytestmark = pytest.mark.xdist_group("workflow_generate")

CASES = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases"
FOLK = ["0626-0700_2.mid", "1556-1624_13.mid", "1556-1624_17.mid", "1625-1700_6.mid",
        "BlueStockingClog_0.mid", "LordJamesMurraysReel_0.mid", "GrapeVineTwiseJig_0.mid"]


def snakemake(*args, cwd=REPO_ROOT, check=True):
    return run_snakemake(*args, cwd=cwd, check=check, timeout=900)


def _calm_tune(path, first_pitch):
    """Eight bars of half notes at 60 qpm: a slow, narrow melody."""
    notes = [(first_pitch + (0, 2, 4, 2, 0, -1, 0, 2)[i % 8], 2.0 * i, 2.0 * i + 1.9)
             for i in range(16)]
    return write_midi_tracks(path, [{"notes": notes}], qpm=60)


def _midi(path):
    from serenade.base.midi_parser import read_midi

    return read_midi(path)


def _wav_seconds(path):
    with wave.open(str(path)) as handle:
        return handle.getnframes() / handle.getframerate()


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = tmp_path_factory.mktemp("generate")
    calm, folk = root / "midi" / "calm", root / "midi" / "folk"
    folk.mkdir(parents=True)
    for name in FOLK:
        shutil.copy(CASES / name, folk / name)
    for index, pitch in enumerate((60, 64, 67, 57)):
        _calm_tune(calm / f"calm{index}.mid", pitch)
    chorale = root / "chorale.mid"
    shutil.copy(CASES / "bwv244.44_0.mid", chorale)
    config = {
        "sources": [{"name": "chorales", "labels": ["calm"], "path": str(calm)},
                    {"name": "folk", "labels": ["lively"], "path": str(folk)}],
        "data": {"eval_fraction": 0.3, "train_shards": 1, "eval_shards": 1, "workers": 1},
        "models": [{"name": "fixture", "config": "cat-mel_2bar_small",
                    "checkpoint": {"path": str(fixture_checkpoint())},
                    "sample_prior": "fitted"},  # magenta's checkpoint has none: N(0, I)
                   # trained only for its training curve in the report; generation uses `fixture`
                   {"name": "tiny", "config": "cat-mel_2bar_tiny",
                    "hparams": "enc_rnn_size=[32],dec_rnn_size=[32]",
                    "train": {"steps": 20, "batch_size": 8, "eval_every": 10,
                              "eval_max_windows": 16}}],
        "tracking": {"uri": f"sqlite:///{root / 'mlflow.db'}", "log_every": 5},
        "generate": {
            "models": ["fixture"],
            "program": 40,
            "sample": {"n": 3, "temperatures": [0.5, 1.0], "qpm": 100},
            "interpolations": [{"name": "reel_to_chorale", "from": "folk:BlueStockingClog_0.mid",
                                "to": str(chorale), "num_steps": 3, "window": "most_notes"}],
            "journeys": [{"name": "tour", "num_steps": 3, "qpm": 90,
                          "inputs": ["folk:0626-0700_2.mid", str(chorale), "chorales:calm1.mid"]}],
            "attributes": {"names": ["mean_pitch", "calm"], "max_train_windows": 200,
                           "max_eval_windows": 12,
                           "pieces": [{"name": "calmer", "input": "folk:1625-1700_6.mid",
                                       "attribute": "calm", "strength": 1.5, "max_windows": 3}]},
            "metrics": {"max_windows": 40},
        },
    }
    (root / "config").mkdir()
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    args = ["-s", str(REPO_ROOT / "Snakefile"), "--directory", str(root), "--cores", "2"]
    run = snakemake(*args)  # `all`: data, both models, generation, report pages
    return {"root": root, "args": args, "config": config, "run": run,
            "out": root / "results" / "generated" / "fixture"}


@pytest.mark.slow
def test_samples(work):
    samples = work["out"] / "samples"
    for label in ("t0.5", "t1"):
        for i in range(3):
            for suffix in (".mid", ".png", ".wav"):
                assert (samples / label / f"sample-{i:03d}{suffix}").is_file()
        assert (samples / label / "strip.png").is_file()
        sequence = _midi(samples / label / "sample-000.mid")
        assert abs(sequence.tempos[0].qpm - 100) < 1e-3
        assert {n.program for n in sequence.notes} <= {40}
    with np.load(samples / "samples.npz") as arrays:
        assert arrays["events_t0.5"].shape == (3, 32)
        assert not np.array_equal(arrays["events_t0.5"], arrays["events_t1"])


@pytest.mark.slow
def test_interpolation_and_journey(work):
    folder = work["out"] / "interpolations" / "reel_to_chorale"
    for stem in ("step-00", "step-01", "step-02", "interpolation"):
        for suffix in (".mid", ".png", ".wav"):
            assert (folder / f"{stem}{suffix}").is_file(), stem + suffix
    assert (folder / "strip.png").is_file()
    whole = _midi(folder / "interpolation.mid")
    first_input = _midi(CASES / "BlueStockingClog_0.mid")
    assert abs(whole.tempos[0].qpm - first_input.tempos[0].qpm) < 1e-2  # the first input's tempo
    seconds_per_window = 32 * 60 / whole.tempos[0].qpm / 4
    assert whole.total_time <= 3 * seconds_per_window + 1e-6
    assert whole.total_time > 2 * seconds_per_window
    # the audio lasts the music plus the instrument's release (a few seconds with FluidSynth)
    assert 3 * seconds_per_window - 0.5 < _wav_seconds(folder / "interpolation.wav") < 3 * seconds_per_window + 4
    assert "BlueStockingClog_0.mid: track" in (folder / "inputs.txt").read_text()

    journey = work["out"] / "journeys" / "tour"
    for suffix in (".mid", ".png", ".wav"):
        assert (journey / f"journey{suffix}").is_file()
    sequence = _midi(journey / "journey.mid")
    assert abs(sequence.tempos[0].qpm - 90) < 1e-2
    assert {n.program for n in sequence.notes} == {40}
    # three inputs, three points per leg, waypoints shared: five 2-bar windows
    with np.load(journey / "path.npz") as path:
        assert path["events"].shape == (5, 32) and path["waypoints"].tolist() == [0, 2, 4]
    assert sequence.total_time <= 5 * 32 * 60 / 90 / 4 + 1e-6


@pytest.mark.slow
def test_attributes_and_calmer_piece(work):
    folder = work["out"] / "attributes"
    effects = pd.read_csv(folder / "effects.csv")
    assert list(effects["attribute"]) == ["mean_pitch", "calm"]
    assert (effects["eval_windows"] > 0).all()
    mean_pitch = effects.set_index("attribute").loc["mean_pitch"]
    assert 0 <= mean_pitch["feature_moved"] <= 1 and mean_pitch["kind"] == "computed"
    with np.load(folder / "vectors.npz") as vectors:
        assert vectors["calm"].shape == (256,)
    calmer = _midi(folder / "calmer.mid")
    assert abs(calmer.tempos[0].qpm - 72) < 1e-2  # attributes.qpm, the calm tempo
    assert (folder / "calmer.wav").is_file() and (folder / "calmer-strip.png").is_file()
    assert (folder / "calmer-original.mid").is_file() and (folder / "calmer.png").is_file()


@pytest.mark.slow
def test_training_fits_the_latent_prior_and_sampling_says_which_prior_it_drew_from(work):
    from mlflow.tracking import MlflowClient

    tiny = load_model(work["root"] / "results" / "models" / "tiny" / "checkpoint")
    assert tiny.latent_prior is not None and tiny.latent_prior.windows > 1
    assert np.isfinite(tiny.latent_prior.scale_tril).all()
    client = MlflowClient(work["config"]["tracking"]["uri"])
    experiment = client.get_experiment_by_name("cat-mel_2bar_small")
    for job in ("samples", "quality"):
        run = next(r for r in client.search_runs([experiment.experiment_id])
                   if r.data.tags.get("serenade.job") == job)
        assert run.data.params["prior"] == "N(0, I) (the model has no fitted prior)"


@pytest.mark.slow
def test_metrics_and_mlflow_child_runs(work):
    metrics = pd.read_csv(work["out"] / "metrics.csv").set_index("set")
    assert list(metrics.index) == ["samples_t0.5", "samples_t1", "interpolations_and_journeys",
                                   "train_vs_eval"]
    for column in ("pitch_class_distance", "mean_note_density", "mean_pitch_range",
                   "mean_mean_interval", "mean_in_scale", "mean_repetition", "oa_note_density",
                   "oa_pitch_classes", "memorisation_rate"):
        assert column in metrics.columns, column
    assert metrics.loc["samples_t0.5", "windows"] == 3
    assert ((metrics["memorisation_rate"] >= 0) & (metrics["memorisation_rate"] <= 1)).all()

    from mlflow.tracking import MlflowClient

    client = MlflowClient(work["config"]["tracking"]["uri"])
    experiment = client.get_experiment_by_name("cat-mel_2bar_small")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if r.data.tags.get("serenade.kind") == "import"]
    children = [r for r in runs if r.data.tags.get("serenade.kind") == "generate"]
    assert len(parents) == 1
    assert sorted(r.data.tags["serenade.job"] for r in children) == [
        "attributes", "interpolation/reel_to_chorale", "journey/tour", "music_metrics", "quality",
        "samples", "variations"]
    assert all(r.data.tags["mlflow.parentRunId"] == parents[0].info.run_id for r in children)
    metric_run = next(r for r in children if r.data.tags["serenade.job"] == "music_metrics")
    assert "samples_t0.5.oa_pitch_range" in metric_run.data.metrics
    sample_run = next(r for r in children if r.data.tags["serenade.job"] == "samples")
    artifacts = [a.path for a in client.list_artifacts(sample_run.info.run_id, "samples/t0.5")]
    assert "samples/t0.5/sample-000.wav" in artifacts


@pytest.mark.slow
def test_mlflow_runs_show_their_source_dataset_and_registered_model(work):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(work["config"]["tracking"]["uri"])
    experiment = client.get_experiment_by_name("cat-mel_2bar_tiny")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    [run] = client.search_runs([experiment.experiment_id], "tags.`serenade.kind` = 'train'")
    assert run.data.tags["mlflow.source.name"] == "serenade train"
    assert len(run.data.tags["mlflow.source.git.commit"]) == 40
    manifest = work["root"] / "results" / "data" / "manifest.csv"
    [entry] = run.inputs.dataset_inputs
    assert entry.dataset.digest == hashlib.sha256(manifest.read_bytes()).hexdigest()[:36]
    assert json.loads(entry.dataset.profile)["files"] == len(pd.read_csv(manifest))
    assert [t.value for t in entry.tags if t.key == "mlflow.data.context"] == ["training"]
    # both models are registered under their names, each version linked to its run
    for name, kind in (("tiny", "train"), ("fixture", "import")):
        [version] = client.search_model_versions(f"name='{name}'")
        assert client.get_run(version.run_id).data.tags["serenade.kind"] == kind


@pytest.mark.slow
def test_quality_check_measures_reconstructions_samples_and_endpoints(work):
    from serenade.conversion.splits import split_windows
    from serenade.conversion.reconstruction import onset_accuracy

    figures = json.loads((work["out"] / "quality.json").read_text())
    # Recomputed here from the eval TFRecord with the fixture model: the same figures.
    model = load_model(fixture_checkpoint(), "cat-mel_2bar_small")
    shards = sorted((work["root"] / "results" / "data" / "notesequences").glob("eval-*.tfrecord"))
    windows = split_windows(shards, model.config.converter).windows.astype(np.int32)
    _, mu, _ = model.encode(windows)
    greedy, _ = model.decode(mu, temperature=0.0, keep_logits=False)
    assert figures["reconstruction.windows"] == len(windows)
    assert figures["reconstruction.accuracy"] == pytest.approx(np.mean(greedy == windows))
    assert figures["reconstruction.onset_accuracy"] == pytest.approx(
        onset_accuracy(model.config.converter, windows, np.asarray(greedy)))
    assert figures["reconstruction.no_event_baseline"] == pytest.approx(np.mean(windows == 0))
    for temperature in ("t0.5", "t1"):
        assert 0 <= figures[f"samples_{temperature}.under_4_notes"] <= 1
        assert figures[f"samples_{temperature}.onsets_per_bar"] > 0
    # Endpoints: each walk says how much of each input its decoded endpoint keeps.
    walks = [work["out"] / "interpolations" / "reel_to_chorale", work["out"] / "journeys" / "tour"]
    ends = [json.loads((w / "endpoints.json").read_text()) for w in walks]
    assert [len(e["inputs"]) for e in ends] == [2, 3]
    assert figures["interpolations.endpoint_match"] == pytest.approx(
        np.mean([e["endpoint_match"] for e in ends]))
    assert (work["out"] / "reconstructions.png").stat().st_size > 5000
    text = (work["out"] / "quality.txt").read_text()
    assert "reconstruction.onset_accuracy" in text and "target >= 0.75" in text
    assert "Quality of fixture" in work["run"].stdout + work["run"].stderr  # printed at the end


@pytest.mark.slow
def test_input_without_melody_fails_naming_it(work):
    config = dict(work["config"])
    config["generate"] = dict(config["generate"])
    config["generate"]["interpolations"] = config["generate"]["interpolations"] + [
        {"name": "bad", "from": "folk:GrapeVineTwiseJig_0.mid", "to": "folk:0626-0700_2.mid"}]
    (work["root"] / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    try:
        result = snakemake(*work["args"], "generate", check=False)
    finally:
        (work["root"] / "config" / "config.yaml").write_text(yaml.safe_dump(work["config"]))
    assert result.returncode != 0
    log = (work["root"] / "results" / "logs" / "generate" / "fixture" / "interpolate-bad.log").read_text()
    assert "folk:GrapeVineTwiseJig_0.mid: no usable melody for 2-bar windows: time signature 2/4" in log


@pytest.fixture(scope="module")
def report(work):
    """`snakemake --report` on the module's run; the path and its embedded results by path."""
    path = work["root"] / "report.html"
    snakemake(*work["args"], "--report", str(path))
    match = re.search(r'<script id="results">\s*var results = (.*?);\s*</script>',
                      path.read_text(), re.S)
    return {"path": path, "results": json.loads(match.group(1))}


def _embedded(entry) -> bytes:
    header, data = entry["data_uri"].split(",", 1)
    assert header.endswith(";base64"), header
    return base64.b64decode(data)


@pytest.mark.slow
def test_report_embeds_data_training_and_generated_results(work, report):
    results = report["results"]
    captions = " ".join(" ".join(entry["caption"] for entry in results.values()).split())
    for text in ("Random samples from the prior of model <strong>fixture</strong> at temperature 0.5",
                 "An interpolation between two inputs", "A journey through several inputs",
                 "Attribute vectors", "Music metrics", "Training curves of model",
                 "The data at a glance", "Variations of your pieces"):
        assert text in captions, text
    assert "Serenade: MusicVAE on your own MIDI" in report["path"].read_text()  # front page
    base = "results/generated/fixture/"
    for path in ("samples/t0.5/strip.png", "samples/t1/sample-000.wav", "samples/t1/sample-002.wav",
                 "samples/t0.5/sample-001.wav",
                 "interpolations/reel_to_chorale/strip.png",
                 "interpolations/reel_to_chorale/interpolation.wav", "journeys/tour/journey.png",
                 "journeys/tour/journey.wav", "attributes/calmer-strip.png", "attributes/calmer.wav",
                 "attributes/effects.csv", "attributes/effects.html", "metrics.csv", "metrics.html",
                 "variations/piece-1/strip.png", "variations/piece-2/variation-00.wav"):
        assert base + path in results, path
        assert _embedded(results[base + path]) == (work["root"] / base / path).read_bytes(), path
    for path in ("results/data/manifest.csv", "results/data/summary.txt",
                 "results/data/summary.html", "results/models/tiny/training-curve.png"):
        assert path in results, path
    assert _embedded(results[base + "samples/t1/sample-000.wav"])[:4] == b"RIFF"
    metrics_page = _embedded(results[base + "metrics.html"]).decode()
    assert "<table" in metrics_page and "samples_t0.5" in metrics_page and "train_vs_eval" in metrics_page
    summary_page = _embedded(results["results/data/summary.html"]).decode()
    assert "chorales" in summary_page and "Files not used (0)" in summary_page
    # rows read as words, not paths; one category per kind of output, one subcategory per model
    labels = {results[base + "samples/t0.5/strip.png"]["labels"]["output"],
              results[base + "journeys/tour/journey.wav"]["labels"]["output"],
              results[base + "variations/piece-1/strip.png"]["labels"]["output"]}
    assert labels == {"temperature 0.5: piano rolls of every sample", "tour: audio of the whole piece",
                      "piece-1: input, reconstruction and variations"}
    categories = json.loads(re.search(r'<script id="categories">\s*var categories = (.*?);\s*</script>',
                                      report["path"].read_text(), re.S).group(1))
    assert set(categories) == {"Data", "Models", "Samples", "Interpolations", "Journeys",
                               "Attribute vectors", "Variations", "Music metrics", "Quality",
                               "Player"}
    # the player page: every rendered piece, small enough for the report's data: URL iframe
    player = _embedded(results[base + "player.html"])
    assert player == (work["root"] / base / "player.html").read_bytes()
    wavs = sorted((work["root"] / base).rglob("*.wav"))
    assert player.count(b'<figure class="piece">') == len(wavs) > 10
    assert len(results[base + "player.html"]["data_uri"]) < 1_000_000
    quality = results[base + "reconstructions.png"]
    assert quality["labels"]["output"] == "held-out windows and their reconstructions"
    assert all(list(categories[c]) == ["fixture"] for c in categories if c not in ("Data", "Models"))


# Runs in the report page: shows every image result the way its eye button does and waits for
# it to decode, then opens every subcategory from the menu and collects its download links
# (audio, CSV) with the first bytes of what they hold.
REPORT_PROBE = """(async () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 500 && typeof app === "undefined"; i++) await tick();
  const found = {images: {}, downloads: {}};
  for (const [path, entry] of Object.entries(results)) {
    if (!entry.mime_type.startsWith("image/")) continue;
    app.setView({content: "img", contentPath: entry.data_uri, resultPath: path});
    let img = null;
    for (let i = 0; i < 250 && !img; i++) {
      await tick();
      img = [...document.querySelectorAll("#app img")].find((el) => el.src === entry.data_uri);
    }
    if (!img) { found.images[path] = "not shown"; continue; }
    try { await img.decode(); } catch (error) { found.images[path] = String(error); continue; }
    found.images[path] = [img.naturalWidth, img.naturalHeight];
  }
  for (const category of Object.keys(categories)) {
    for (const subcategory of Object.keys(categories[category])) {
      app.setView({navbarMode: "menu"});
      await tick();
      app.setView({navbarMode: "subcategory", category: category, subcategory: subcategory});
      await tick(); await tick();
      for (const link of document.querySelectorAll("#app a[download]")) {
        const bytes = new Uint8Array(await (await fetch(link.href)).arrayBuffer());
        found.downloads[category + "/" + link.getAttribute("download")] =
          String.fromCharCode(...bytes.slice(0, 4));
      }
    }
  }
  return found;
})()"""


@pytest.mark.slow
def test_report_renders_in_headless_chromium(work, report):
    """Open the report in a real browser: every image decodes, the audio links play files."""
    if find_chromium() is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("Chromium is required in CI (apt-get install chromium; see .ci/run)")
        pytest.skip("no Chromium to open the report (apt-get install chromium)")
    found = chromium_evaluate(report["path"].as_uri(), REPORT_PROBE, timeout=180)
    images = [p for p, entry in report["results"].items() if entry["mime_type"].startswith("image/")]
    assert len(images) == 10 and "results/models/tiny/training-curve.png" in images
    assert "results/generated/fixture/variations/piece-2/strip.png" in images
    assert "results/generated/fixture/reconstructions.png" in images
    assert set(found["images"]) == set(images)
    for path, size in found["images"].items():
        assert isinstance(size, list) and min(size) > 50, (path, size)
    downloads = found["downloads"]
    for name in ("Samples/sample-000.wav", "Interpolations/interpolation.wav",
                 "Journeys/journey.wav", "Attribute vectors/calmer.wav",
                 "Variations/variation-00.wav"):
        assert downloads.get(name) == "RIFF", (name, downloads)
    assert downloads["Music metrics/metrics.csv"] == "set,"
    assert downloads["Quality/quality.txt"] == "Qual", downloads
