"""Re-sending metrics.csv to a real (SQLite) MLflow store after the store missed some points."""

from __future__ import annotations

from serenade import tracking
from serenade.training import resend
from serenade.training.resume import RUN_ID_FILE


def _history(uri: str, run_id: str, key: str) -> list[tuple[int, float]]:
    from mlflow.tracking import MlflowClient

    return sorted((m.step, m.value) for m in MlflowClient(uri).get_metric_history(run_id, key))


def test_missing_points_are_sent_once_with_their_timestamps(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    store = tmp_path / "checkpoints" / "tiny-abc"
    csv_path = store / "metrics.csv"
    tracker = tracking.RunTracker(experiment="cat-mel_2bar_tiny", run_name="tiny",
                                  csv_path=csv_path, tracking_uri=uri)
    run_id = tracker.start()
    tracker.log_metrics({"loss": 3.0, "kl_bits": 1.0}, step=0)
    # the server is gone: the job's later points reach only its CSV
    tracker.csv.append({"loss": 2.0, "kl_bits": 1.5}, step=10, timestamp=1_700_000_000.25)
    tracker.csv.append({"loss": 1.0}, step=20, timestamp=1_700_000_001.0)
    (store / RUN_ID_FILE).write_text(run_id + "\n")

    assert resend.main([str(csv_path), "--uri", uri]) == 0
    assert _history(uri, run_id, "loss") == [(0, 3.0), (10, 2.0), (20, 1.0)]
    assert _history(uri, run_id, "kl_bits") == [(0, 1.0), (10, 1.5)]
    from mlflow.tracking import MlflowClient

    stamps = {m.step: m.timestamp for m in MlflowClient(uri).get_metric_history(run_id, "loss")}
    assert stamps[10] == 1_700_000_000_250
    assert resend.resend_metrics(csv_path, uri, run_id) == (run_id, 0)  # nothing twice


def test_without_a_run_a_new_one_is_made_in_the_experiment(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    csv_path = tmp_path / "metrics.csv"
    tracking.MetricsCSV(csv_path).append({"loss": 2.0}, step=5, timestamp=1_700_000_000.0)
    assert resend.main([str(csv_path), "--uri", uri, "--experiment", "cat-mel_2bar_tiny",
                        "--run-name", "tiny"]) == 0
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("cat-mel_2bar_tiny")
    (run,) = client.search_runs([experiment.experiment_id])
    assert _history(uri, run.info.run_id, "loss") == [(5, 2.0)]
    assert run.data.tags["serenade.model"] == "tiny" and run.data.tags["serenade.kind"] == "train"
    assert run.data.tags["serenade.resent"] == str(csv_path)
