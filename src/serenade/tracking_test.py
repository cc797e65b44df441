"""Tracking against a real SQLite store, a real `mlflow server`, and a closed port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from serenade import tracking


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _client(uri: str):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """A real MLflow server on 127.0.0.1 with a SQLite backend in a temporary folder."""
    root = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    mlflow_bin = Path(sys.executable).with_name("mlflow")
    log = open(root / "server.log", "w")
    process = subprocess.Popen(
        [str(mlflow_bin), "server", "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
         "--artifacts-destination", str(root / "artifacts"), "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, cwd=root)
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"mlflow server did not start: {(root / 'server.log').read_text()}")
        time.sleep(0.5)
    yield uri
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def test_default_uri_and_artifacts_are_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = tracking.default_tracking_uri("results")
    assert uri == f"sqlite:///{tmp_path / 'results' / 'mlflow' / 'mlflow.db'}"
    assert tracking.default_artifact_root("results") == tmp_path / "results/mlflow/artifacts"
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking.resolve_tracking_uri(None, "results") == uri
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://example.invalid")
    assert tracking.resolve_tracking_uri(None, "results") == "http://example.invalid"
    assert tracking.resolve_tracking_uri("sqlite:////x.db", "results") == "sqlite:////x.db"


def test_sqlite_store_new_run_then_resume_same_run(tmp_path, monkeypatch):
    results = tmp_path / "results"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    artifact = tmp_path / "note.txt"
    artifact.write_text("hello")

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    first = tracking.RunTracker(experiment="cat-mel_2bar_small", run_name="demo",
                                csv_path=tmp_path / "m.csv", results_dir=results)
    assert first.tracking_uri == tracking.default_tracking_uri(results)
    run_id = first.start()
    assert run_id and first.mlflow_active
    first.log_params({"z_size": 256, "seed": 1})
    first.log_metrics({"loss": 3.0, "beta": 0.0}, step=0)
    first.log_metrics({"loss": 2.0, "beta": 0.1}, step=10)
    first.log_artifact(artifact)
    # A job killed here never calls finish(); the resumed job reopens the same run.
    monkeypatch.chdir(elsewhere)  # absolute store paths must not depend on the cwd
    second = tracking.RunTracker(experiment="cat-mel_2bar_small", run_name="demo",
                                 csv_path=tmp_path / "m.csv", results_dir=results,
                                 tracking_uri=tracking.default_tracking_uri(results),
                                 run_id=run_id)
    assert second.start() == run_id and second.resumed
    second.log_metrics({"loss": 1.0}, step=20)
    second.finish()

    client = _client(tracking.default_tracking_uri(results))
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"z_size": "256", "seed": "1"}
    assert [m.value for m in client.get_metric_history(run_id, "loss")] == [3.0, 2.0, 1.0]
    assert [m.step for m in client.get_metric_history(run_id, "loss")] == [0, 10, 20]
    artifacts = Path(run.info.artifact_uri.removeprefix("file://"))
    assert artifacts.is_absolute() and artifacts.is_relative_to(results / "mlflow" / "artifacts")
    assert (artifacts / "note.txt").read_text() == "hello"
    assert not (elsewhere / "mlruns").exists() and not (tmp_path / "mlruns").exists()

    # A rerun (no run id) is a new run in the same experiment.
    third = tracking.RunTracker(experiment="cat-mel_2bar_small", run_name="demo",
                                csv_path=tmp_path / "m2.csv", results_dir=results,
                                tracking_uri=tracking.default_tracking_uri(results))
    assert third.start() not in (None, run_id)
    third.finish()
    experiment = client.get_experiment_by_name("cat-mel_2bar_small")
    assert len(client.search_runs([experiment.experiment_id])) == 2

    series = tracking.read_metrics_csv(tmp_path / "m.csv")
    assert series["loss"] == [(0, 3.0), (10, 2.0), (20, 1.0)]
    assert series["beta"] == [(0, 0.0), (10, 0.1)]


_WORKER = textwrap.dedent("""
    import sys
    from serenade.tracking import RunTracker
    uri, name, csv_path = sys.argv[1:4]
    tracker = RunTracker(experiment="shared-exp", run_name=name, csv_path=csv_path,
                         tracking_uri=uri)
    assert tracker.start(), "could not start run"
    tracker.log_params({"worker": name})
    for step in range(25):
        tracker.log_metrics({"loss": 100.0 - step, "step_sq": float(step * step)}, step=step)
    tracker.finish()
    assert tracker.mlflow_active, "tracking fell back during the run"
    print(tracker.run_id)
""")


@pytest.mark.slow
def test_several_processes_log_to_a_real_server_at_once(mlflow_server, tmp_path):
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, mlflow_server, f"job{i}",
                          str(tmp_path / f"job{i}.csv")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(3)
    ]
    run_ids = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        run_ids.append(out.strip().splitlines()[-1])
    assert len(set(run_ids)) == 3
    client = _client(mlflow_server)
    for i, run_id in enumerate(run_ids):
        run = client.get_run(run_id)
        assert run.info.status == "FINISHED"
        assert run.data.params["worker"] == f"job{i}"
        history = client.get_metric_history(run_id, "loss")
        assert sorted((m.step, m.value) for m in history) == [(s, 100.0 - s) for s in range(25)]
    experiment = client.get_experiment_by_name("shared-exp")
    assert len(client.search_runs([experiment.experiment_id])) == 3


@pytest.mark.slow
def test_resume_against_server_and_artifact_upload(mlflow_server, tmp_path):
    artifact = tmp_path / "curve.png"
    artifact.write_bytes(b"\x89PNG fake but bytes are bytes")
    first = tracking.RunTracker(experiment="server-exp", run_name="r",
                                csv_path=tmp_path / "m.csv", tracking_uri=mlflow_server)
    run_id = first.start()
    first.log_metrics({"loss": 5.0}, step=1)
    second = tracking.RunTracker(experiment="server-exp", run_name="r",
                                 csv_path=tmp_path / "m.csv", tracking_uri=mlflow_server,
                                 run_id=run_id)
    assert second.start() == run_id
    second.log_metrics({"loss": 4.0}, step=2)
    second.log_artifact(artifact, "plots")
    second.finish()
    client = _client(mlflow_server)
    assert [m.value for m in client.get_metric_history(run_id, "loss")] == [5.0, 4.0]
    listed = [f.path for f in client.list_artifacts(run_id, "plots")]
    assert listed == ["plots/curve.png"]


def test_unreachable_server_falls_back_to_csv_quickly_and_warns_once(tmp_path, monkeypatch):
    for name in tracking._HTTP_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    port = _free_port()  # nothing listens there once the probe socket is closed
    tracker = tracking.RunTracker(experiment="x", run_name="r", csv_path=tmp_path / "m.csv",
                                  tracking_uri=f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.warns(RuntimeWarning, match="training continues") as caught:
        assert tracker.start() is None
        for step in range(3):
            tracker.log_metrics({"loss": float(step)}, step=step)
        tracker.log_params({"a": 1})
        tracker.finish()
    assert time.monotonic() - started < 30
    assert len([w for w in caught if issubclass(w.category, RuntimeWarning)]) == 1
    assert not tracker.mlflow_active
    assert tracking.read_metrics_csv(tmp_path / "m.csv")["loss"] == [(0, 0.0), (1, 1.0), (2, 2.0)]
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "1"


@pytest.mark.slow
def test_logging_a_model_leaves_the_tracking_uri_as_it_was(tmp_path, monkeypatch):
    """The model is logged through MLflow's fluent API, which sets a global URI (and
    $MLFLOW_TRACKING_URI): afterwards both are as before, so the next run in this process still
    goes to its own default store."""
    import mlflow

    from serenade.models.checkpoint import save_model
    from testing.fixtures import fixture_model

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    checkpoint = save_model(fixture_model(), tmp_path / "checkpoint")
    first = tracking.RunTracker(experiment="e", run_name="a", csv_path=tmp_path / "a.csv",
                       tracking_uri=f"sqlite:///{tmp_path / 'a.db'}")
    first.start()
    assert first.log_model(checkpoint, registered_name="a_model") is not None
    assert "MLFLOW_TRACKING_URI" not in os.environ
    assert mlflow.MlflowClient(first.tracking_uri).search_model_versions("name='a_model'")
    second = tracking.RunTracker(experiment="e", run_name="b", csv_path=tmp_path / "b.csv",
                        results_dir=tmp_path / "results")
    assert second.tracking_uri == tracking.resolve_tracking_uri(None, tmp_path / "results")
    second.start()
    assert (tmp_path / "results" / "mlflow" / "mlflow.db").is_file()
