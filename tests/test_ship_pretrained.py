"""tools/ship_pretrained.py's bookkeeping for a segment that continues the shipped model: the
model's whole step count, every segment's metric history and training files (a real MLflow
sqlite store, real files)."""

from __future__ import annotations

import csv
import gzip
import importlib.util

import mlflow
import pytest

from serenade.paths import REPO_ROOT
from serenade.training.resume import RUN_ID_FILE


def _tool():
    spec = importlib.util.spec_from_file_location("ship_pretrained",
                                                  REPO_ROOT / "tools" / "ship_pretrained.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _segment_run(run_dir, offset: int, losses: dict[int, float]) -> None:
    """A pretraining run folder as the workflow leaves it: MLflow store and resume folder."""
    (run_dir / "results" / "mlflow").mkdir(parents=True)
    client = mlflow.tracking.MlflowClient(
        f"sqlite:///{run_dir / 'results' / 'mlflow' / 'mlflow.db'}")
    experiment = client.create_experiment("pretrain")
    run = client.create_run(experiment)
    client.log_param(run.info.run_id, "schedule_offset", str(offset))
    for step, loss in losses.items():
        client.log_metric(run.info.run_id, "loss", loss, step=step)
    resume = run_dir / "results" / "checkpoints" / "model16-abc"
    resume.mkdir(parents=True)
    (resume / RUN_ID_FILE).write_text(run.info.run_id)


def test_a_continuing_segment_keeps_the_earlier_history_on_the_models_step_count(tmp_path):
    tool = _tool()
    target = tmp_path / "metrics.csv"
    with open(target, "w", newline="") as handle:  # what segment 1 shipped (steps 50-300)
        writer = csv.writer(handle)
        writer.writerow(["step", "timestamp", "key", "value"])
        writer.writerows([(50, 1, "loss", 500.0), (300, 2, "loss", 333.0)])
    _segment_run(tmp_path / "run", 300, {50: 316.0, 500: 266.0})
    assert tool.schedule_offset(tmp_path / "run", "model16") == 300
    assert tool.export_metrics(tmp_path / "run", "model16", target, offset=300) == 4
    with open(target, newline="") as handle:
        rows = [(int(r["step"]), float(r["value"])) for r in csv.DictReader(handle)]
    assert rows == [(50, 500.0), (300, 333.0), (350, 316.0), (800, 266.0)]


def test_the_training_files_are_those_of_every_segment(tmp_path):
    tool = _tool()
    manifest = tmp_path / "manifest.csv"
    with open(manifest, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "path", "sha256", "status", "split"])
        writer.writerows([("folk", "b.mid", "2", "ok", "train"),
                          ("folk", "c.mid", "3", "ok", "eval"),
                          ("folk", "d.mid", "4", "invalid", "train")])
    target = tmp_path / "training-data.csv.gz"
    assert tool.training_files(manifest, target) == 1
    with gzip.open(target, "wt", newline="") as handle:  # segment 1 trained on a.mid too
        csv.writer(handle).writerows([("source", "path", "sha256"), ("folk", "a.mid", "1")])
    earlier = tool.read_training_files(target)
    assert tool.training_files(manifest, target, earlier) == 2
    with gzip.open(target, "rt", newline="") as handle:
        assert [r["path"] for r in csv.DictReader(handle)] == ["a.mid", "b.mid"]
    assert tool.training_files(manifest, target) == 1  # a first segment starts its own list


@pytest.mark.slow
def test_a_stopped_segment_ships_from_its_resume_state_after_its_model_folder_is_gone(tmp_path):
    """Snakemake removes a stopped job's model folder, config.yaml included: the copy beside the
    resume state tells the tool what the checkpoints are (a real tiny training job)."""
    import shutil

    import numpy as np

    from serenade.training.job import JobPaths, RunOptions, train_model
    from serenade.training.settings import TrainSettings
    from testing.fixtures import fixture_note_sequences
    from testing.music_files import write_note_sequence_tfrecord

    tool = _tool()
    run = tmp_path / "run"
    sequences = fixture_note_sequences()
    train = write_note_sequence_tfrecord(tmp_path / "train.tfrecord", sequences[:8])
    held_out = write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", sequences[8:])
    model_dir = run / "results" / "models" / "tiny"
    train_model("tiny", "cat-mel_2bar_tiny", "z_size=8,enc_rnn_size=[16],dec_rnn_size=[16]",
                TrainSettings(steps=2, batch_size=4, checkpoint_every=2, eval_max_windows=4),
                JobPaths(train=[train], eval=[held_out], out_dir=model_dir,
                         checkpoint_root=run / "results" / "checkpoints",
                         results_dir=run / "results"),
                RunOptions(tracking_uri="", log_every=1))
    shutil.rmtree(model_dir)  # what Snakemake does to a stopped job's outputs
    assert tool.resolved_config(run, "tiny").parent == tool.newest_run(run, "tiny")
    model = tool.from_resume(run, "tiny", offset=10)
    assert model.global_step == 12 and model.config.name == "cat-mel_2bar_tiny"
    assert model.z_size == 8
    (tool.newest_run(run, "tiny") / "config.yaml").unlink()
    with pytest.raises(SystemExit, match="no config.yaml for tiny"):
        tool.resolved_config(run, "tiny")
    assert np.isfinite(next(iter(model.numpy_weights().values()))).all()
