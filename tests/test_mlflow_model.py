"""Models in MLflow for real: a checkpoint imported by the workflow's own job is logged as a
pyfunc model and registered in a SQLite-backed registry; a fresh process loads it from the
registry and samples; `mlflow models serve` answers POSTed requests with the same music."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from serenade.models.checkpoint import load_model
from serenade.models.mlflow_model import answer
from serenade.training.job import RunOptions, import_model

from testing.fixtures import fixture_checkpoint, fixture_note_sequences
from testing.music_files import write_note_sequence_tfrecord

# One worker runs the whole module, so its costly module fixture is built once, not per worker.
pytestmark = pytest.mark.xdist_group("mlflow_model")

MLFLOW = str(Path(sys.executable).with_name("mlflow"))
SAMPLE = {"mode": "sample", "num_outputs": 2, "seed": 3, "temperature": 0.5}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("registry")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    eval_records = write_note_sequence_tfrecord(root / "eval.tfrecord", fixture_note_sequences())
    import_model("fixture", "cat-mel_2bar_small", "", str(fixture_checkpoint()), [eval_records],
                 root / "out", results_dir=root / "results", eval_max_windows=16,
                 options=RunOptions(tracking_uri=uri))
    return {"root": root, "uri": uri, "model": load_model(root / "out" / "checkpoint")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _mlflow_process(args: list[str], registry: dict, ready_path: str, timeout: float):
    """Run `mlflow ARGS --port P` (from the venv, which its server needs on PATH) against the
    registry's store until `ready_path` answers; yields the base URL, stops it after."""
    port = _free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": registry["uri"],
           "PATH": f"{Path(MLFLOW).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    server = subprocess.Popen([MLFLOW, *args, "--port", str(port)], env=env, cwd=registry["root"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + ready_path, timeout=5):
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()[-3000:]
                assert time.monotonic() < deadline, f"mlflow {args[0]} did not come up"
                time.sleep(1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_registered_version_carries_its_run_source_and_signature(registry):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(registry["uri"])
    [version] = client.search_model_versions("name='fixture'")
    run = client.get_run(version.run_id)
    assert run.data.tags["serenade.kind"] == "import"
    assert run.data.tags["mlflow.source.name"] == "serenade import"
    assert len(run.data.tags["mlflow.source.git.commit"]) == 40
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"


@pytest.mark.slow
def test_a_fresh_process_loads_the_registered_model_and_samples(registry):
    script = ("import json, sys, pandas as pd, mlflow.pyfunc\n"
              "model = mlflow.pyfunc.load_model('models:/fixture/latest')\n"
              "print(model.metadata.get_input_schema().input_names())\n"
              f"out = model.predict(pd.DataFrame([{SAMPLE!r}]))\n"
              "print(json.dumps(out['events'].tolist()))\n")
    env = {**os.environ, "MLFLOW_TRACKING_URI": registry["uri"]}
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=registry["root"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    names, events = result.stdout.strip().splitlines()[-2:]
    assert "mode" in names and "events" in names
    expected = answer(registry["model"], pd.DataFrame([SAMPLE]))
    assert json.loads(events) == expected["events"].tolist()
    assert len(expected) == 2 and all(len(json.loads(e)) == 32 for e in expected["events"])


@pytest.mark.slow
def test_mlflow_models_serve_answers_sample_and_encode_requests(registry):
    serve = ["models", "serve", "-m", "models:/fixture/1", "--env-manager", "local",
             "-h", "127.0.0.1"]
    with _mlflow_process(serve, registry, "/ping", timeout=300) as base:
        model = registry["model"]
        converter = model.config.converter
        window = next(found for sequence in fixture_note_sequences()
                      if len(found := converter.to_windows(sequence)))[0]
        encode = {"mode": "encode", "events": json.dumps(np.asarray(window).tolist())}
        body = json.dumps({"dataframe_records": [SAMPLE, encode]}).encode()
        request = urllib.request.Request(f"{base}/invocations", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            rows = json.loads(response.read())["predictions"]
    expected = answer(model, pd.DataFrame([SAMPLE, encode]))
    assert [row["request"] for row in rows] == [0, 0, 1]
    assert [row["events"] for row in rows[:2]] == expected["events"].tolist()[:2]
    _, mu, _ = model.encode(np.asarray(window)[None])
    np.testing.assert_allclose(json.loads(rows[2]["mu"]), mu[0], atol=1e-5)
    assert rows[0]["midi"] and rows[2]["events"] == encode["events"]


def _post(base: str, records: list[dict], timeout: float = 120) -> tuple[int, str]:
    body = json.dumps({"dataframe_records": records}).encode()
    request = urllib.request.Request(f"{base}/invocations", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# (rows, what the 400 must say); a column the signature does not name is dropped by MLflow
# before the model sees the request
BAD_REQUESTS = [
    ([{"mode": "encode", "events": [1, 2]}], "events"),  # a list, not the JSON string
    ([{"mode": "dance"}], "mode must be one of"),
    ([{"mode": "encode"}], "mode encode needs `events`"),
    ([{"mode": "decode", "z": "[1, 2, 3]"}], "`z` must be 256 numbers"),
    ([{"mode": "decode", "z": json.dumps([0.0] * 255 + [float("nan")])}], "NaN or infinite"),
    ([{"mode": "sample", "temperature": "nan"}], "`temperature` must be a finite number"),
    ([{"mode": "sample", "temperature": "inf"}], "`temperature` must be a finite number"),
    ([{"mode": "sample", "num_outputs": 2.7}], "`num_outputs` must be a whole number, got 2.7"),
    ([{"mode": "sample", "num_outputs": 100000}], "`num_outputs` must be 1..256"),
    ([{"mode": "sample", "num_outputs": 200}, {"mode": "sample", "num_outputs": 200}],
     "at most 256 per request"),
]


@pytest.mark.slow
def test_mlflow_models_serve_refuses_bad_requests_with_a_400_and_no_traceback(registry):
    serve = ["models", "serve", "-m", "models:/fixture/1", "--env-manager", "local",
             "-h", "127.0.0.1", "--timeout", "3"]
    with _mlflow_process(serve, registry, "/ping", timeout=300) as base:
        for rows, message in BAD_REQUESTS:
            status, body = _post(base, rows)
            assert status == 400 and message in body, (rows, status, body[:2000])
            assert "Traceback" not in body and ".py" not in body, body[:2000]
        status, _ = _post(base, [{"mode": "sample", "num_outputs": 256, "seed": 1}])
        assert status in (200, 504)  # past the server's 3 s, the work stops by itself
        assert _answers_within(base, [SAMPLE], seconds=120) == 2


def _answers_within(base: str, records: list[dict], seconds: float) -> int:
    """Rows of the first 200 answer to `records`, posted again while the server answers 504:
    on a loaded machine a small request may itself pass a 3 s timeout (its first decode traces
    the graph), so one 504 says nothing; a server that never recovers fails here."""
    deadline = time.monotonic() + seconds
    while True:
        status, body = _post(base, records)
        if status == 200:
            return len(json.loads(body)["predictions"])
        assert status == 504 and time.monotonic() < deadline, (status, body[:2000])
        time.sleep(1)


RUNS_TABLE = """new Promise((resolve) => {
  const started = Date.now();
  const look = () => {
    const text = document.body.innerText;
    if ((text.includes('eval split') && text.includes('fixture')) || Date.now() - started > 90000) {
      resolve({text: text, url: location.href});
    } else {
      setTimeout(look, 500);
    }
  };
  look();
})"""


@pytest.mark.slow
def test_the_mlflow_ui_opens_the_experiment_on_its_runs_table(registry, tmp_path):
    from chromium import chromium_evaluate, find_chromium
    from mlflow.tracking import MlflowClient

    if find_chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium (installed by .ci/run)")
        pytest.skip("no Chromium (install the Debian package `chromium`)")
    experiment = MlflowClient(registry["uri"]).get_experiment_by_name("cat-mel_2bar_small")
    with _mlflow_process(["server", "--backend-store-uri", registry["uri"], "--host",
                          "127.0.0.1"], registry, "/health", timeout=180) as base:
        screenshot = tmp_path / "experiment.png"
        # the link docs/training.md gives: MLflow 3.17 picks an experiment's view from its
        # sidebar switch (GenAI by default), which `workflowType` sets
        url = f"{base}/#/experiments/{experiment.experiment_id}?workflowType=machine_learning"
        page = chromium_evaluate(url, RUNS_TABLE, timeout=180, screenshot=screenshot)
    shown = page["text"]
    assert "fixture" in shown, shown[:2000]  # the run, in the runs table
    assert "eval split" in shown, shown[:2000]  # its Dataset column
    assert "Token Usage" not in shown  # not the GenAI overview
    assert screenshot.stat().st_size > 10_000
