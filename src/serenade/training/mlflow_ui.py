"""MLflow's UI on a Serenade store, opened on the runs tables.

MLflow 3.17 shows an experiment in the view its sidebar switch (GenAI / Model training) names,
and the switch is kept only in the browser (localStorage `mlflow.workflowType_v1`, GenAI by
default) unless the page's own link says `workflowType=...`; the experiment's
`mlflow.experimentKind` tag does not change it (mlflow/mlflow#24498). A new browser that clicks
an experiment in the list therefore lands on the GenAI "Overview" of traces. No server option
sets it, so the links given to a user carry `workflowType=machine_learning`: each experiment's
runs table, opened directly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from serenade import layout, tracking

MODEL_TRAINING_VIEW = "workflowType=machine_learning"


@dataclass(frozen=True)
class ExperimentLink:
    """One experiment of the store and the link to its runs table."""

    name: str
    experiment_id: str
    runs: int
    url: str


def runs_table_url(base: str, experiment_id: str) -> str:
    """The runs table of an experiment, in the model-training view whatever the browser keeps."""
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs?{MODEL_TRAINING_VIEW}"


def experiments_url(base: str) -> str:
    return f"{base.rstrip('/')}/#/experiments?{MODEL_TRAINING_VIEW}"


def experiment_links(tracking_uri: str, base: str) -> list[ExperimentLink]:
    """The store's experiments that hold runs, newest run first, with their runs-table links."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    found = []
    for experiment in client.search_experiments():
        runs = client.search_runs([experiment.experiment_id], max_results=1000,
                                  order_by=["attributes.start_time DESC"])
        if runs:
            found.append((runs[0].info.start_time, ExperimentLink(
                experiment.name, experiment.experiment_id, len(runs),
                runs_table_url(base, experiment.experiment_id))))
    return [link for _, link in sorted(found, key=lambda item: -item[0])]


def server_command(tracking_uri: str, host: str, port: int) -> list[str]:
    """`mlflow server` on the store (one worker: the UI of one user, on a small machine)."""
    mlflow = Path(sys.executable).with_name("mlflow")
    return [str(mlflow) if mlflow.exists() else "mlflow", "server", "--backend-store-uri",
            tracking_uri, "--host", host, "--port", str(port), "--workers", "1"]


@contextlib.contextmanager
def running_server(tracking_uri: str, host: str = "127.0.0.1", port: int = 5000,
                   timeout: float = 180.0, log=None) -> Iterator[str]:
    """Start `mlflow server` on the store, yield its base URL once it answers, stop it (and the
    workers it started: its own process group) after."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                 f"{os.environ.get('PATH', '')}"}
    server = subprocess.Popen(server_command(tracking_uri, host, port), env=env,
                              stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5):
                    break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"mlflow server stopped (exit status {server.returncode}); "
                                       f"is port {port} free?") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"mlflow server did not answer at {base} "
                                       f"within {timeout:g} s") from None
                time.sleep(0.5)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def default_store(results_dir: str | Path = layout.RESULTS) -> str:
    """The store `serenade` logs to (tracking.resolve_tracking_uri)."""
    return tracking.resolve_tracking_uri(None, results_dir)
