"""Experiment tracking: MLflow when it can be reached, a local CSV always.

Every metric also goes to a long-format CSV (step, timestamp, key, value) beside the model's
outputs, so a run is never lost: if the MLflow store cannot be reached (a dead server, a locked
database), training goes on, warns once, and the CSV is the record.

The default store is a SQLite database under `results/mlflow/` with artifacts beside it, both as
absolute paths: MLflow resolves relative store paths against the working directory, so a relative
default would scatter runs over every directory a job happens to start in.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import logging
import os
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from serenade import layout
from serenade.paths import REPO_ROOT

try:
    import fcntl  # POSIX only: serialises creating a SQLite store
except ImportError:  # Windows
    fcntl = None

LOG = logging.getLogger(__name__)

# MLflow retries a failing HTTP request with exponential back-off for minutes by default. Training
# must not stall on a dead server, so unless the user chose otherwise, give up after a few seconds.
_HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}

# MLflow refuses longer parameter values.
_MAX_PARAM_LENGTH = 6000


def configure_http_retries() -> None:
    """Make MLflow give up quickly on an unreachable server (user settings win)."""
    for name, value in _HTTP_DEFAULTS.items():
        os.environ.setdefault(name, value)


def default_tracking_uri(results_dir: str | Path = layout.RESULTS) -> str:
    """`sqlite:` URI of the default store, results/mlflow/mlflow.db, as an absolute path."""
    db = Path(layout.mlflow_store(results_dir)).resolve() / "mlflow.db"
    return f"sqlite:///{db}"


def default_artifact_root(results_dir: str | Path = layout.RESULTS) -> Path:
    """Absolute folder where the default store keeps artifacts."""
    return Path(layout.mlflow_store(results_dir)).resolve() / "artifacts"


def resolve_tracking_uri(uri: str | None = None, results_dir: str | Path = layout.RESULTS) -> str:
    """The URI to log to: an explicit one, else $MLFLOW_TRACKING_URI, else the default store."""
    return uri or os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri(results_dir)


def _sqlite_path(uri: str) -> Path | None:
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///"):])


@contextlib.contextmanager
def _store_lock(uri: str) -> Iterator[None]:
    """Serialise creation of a SQLite store: several jobs starting at once race on its schema."""
    db = _sqlite_path(uri)
    if db is None:
        yield
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # Windows: no lock, so run one job at a time there (README, Platforms)
        yield
        return
    with open(db.with_name(db.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def git_commit() -> str:
    """HEAD's commit ("-dirty" with uncommitted changes, "unknown" outside git), for the run's
    parameters."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=20).stdout
        return commit + ("-dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def file_digest(paths: Sequence[str | Path]) -> str:
    """sha256 over the files' bytes in order: what a resume key and a tracked run record."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def source_tags(source_name: str) -> dict[str, str]:
    """MLflow's source tags (the runs table's Source column): what ran, and at which commit."""
    tags = {"mlflow.source.name": source_name, "mlflow.source.type": "LOCAL"}
    commit = git_commit()
    if commit != "unknown":
        tags["mlflow.source.git.commit"] = commit.removesuffix("-dirty")
    return tags


# MLflow's UI opens an experiment in the view of its kind (traces first for GenAI ones).
EXPERIMENT_KIND, MODEL_TRAINING = "mlflow.experimentKind", "custom_model_development"


def manifest_summary(manifest: str | Path) -> tuple[str, dict[str, int]]:
    """A manifest as a dataset: its sources' names ("a+b") and its files per status and split."""
    import pandas as pd

    try:
        table = pd.read_csv(manifest, usecols=["source", "status", "split"], dtype=str,
                            keep_default_na=False)
    except (OSError, ValueError):
        return Path(manifest).parent.name, {}
    counts = {"files": len(table)}
    counts.update({f"status_{k}": int(v) for k, v in table["status"].value_counts().items()})
    counts.update({f"split_{k}": int(v) for k, v in table["split"].value_counts().items() if k})
    return "+".join(sorted(set(table["source"]))), counts


class MetricsCSV:
    """Append-only long-format metrics file: one row per (step, key)."""

    FIELDS = ("step", "timestamp", "key", "value")

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists() or self.path.stat().st_size == 0:
            with open(self.path, "w", newline="") as handle:
                csv.writer(handle).writerow(self.FIELDS)

    def append(self, metrics: Mapping[str, float], step: int, timestamp: float) -> None:
        with open(self.path, "a", newline="") as handle:
            writer = csv.writer(handle)
            for key, value in metrics.items():
                writer.writerow((int(step), f"{timestamp:.3f}", key, repr(float(value))))


def read_metrics_csv(path: str | Path) -> dict[str, list[tuple[int, float]]]:
    """{key: [(step, value), ...]} from a file written by MetricsCSV, in file order."""
    series: dict[str, list[tuple[int, float]]] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            series.setdefault(row["key"], []).append((int(row["step"]), float(row["value"])))
    return series


class RunTracker:
    """One training (or evaluation) run: MLflow run plus the CSV fallback.

    `run_id` continues an existing run (a resumed training job); without it a new run starts.
    All MLflow calls are guarded: the first failure warns once and turns MLflow off for the rest
    of the run, while the CSV keeps every metric.
    """

    def __init__(
        self,
        *,
        experiment: str,
        run_name: str,
        csv_path: str | Path,
        tracking_uri: str | None = None,
        results_dir: str | Path = layout.RESULTS,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        source_name: str = "serenade",
    ):
        self.experiment = experiment
        self.run_name = run_name
        self.tracking_uri = resolve_tracking_uri(tracking_uri, results_dir)
        self.artifact_root = default_artifact_root(results_dir)
        self.csv = MetricsCSV(csv_path)
        self.tags = {**source_tags(source_name), **(tags or {})}
        self.run_id = run_id
        self.resumed = False
        self._client = None
        self._warned = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> str | None:
        """Open (or reopen) the MLflow run; returns its id, or None when MLflow is unreachable."""
        configure_http_retries()
        try:
            with _store_lock(self.tracking_uri):
                self._client = self._make_client()
                experiment_id = self._experiment_id()
            if self.run_id and self._run_exists(self.run_id):
                self._client.update_run(self.run_id, status="RUNNING")
                self.resumed = True
            else:
                if self.run_id:
                    LOG.warning("MLflow run %s not found in %s; starting a new run",
                                self.run_id, self.tracking_uri)
                run = self._client.create_run(experiment_id, run_name=self.run_name,
                                              tags=self.tags)
                self.run_id = run.info.run_id
        except Exception as error:  # noqa: BLE001 - any store failure means "fall back"
            self._disable(error)
            return None
        LOG.info("MLflow run %s (%s) in %s", self.run_id,
                 "resumed" if self.resumed else "new", self.tracking_uri)
        return self.run_id

    def finish(self, status: str = "FINISHED") -> None:
        self._call(lambda c: c.set_terminated(self.run_id, status=status))

    @property
    def mlflow_active(self) -> bool:
        return self._client is not None

    # -- logging ---------------------------------------------------------------------------

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log parameters (values stringified and truncated to MLflow's limit)."""
        from mlflow.entities import Param

        items = [Param(str(k), str(v)[:_MAX_PARAM_LENGTH]) for k, v in sorted(params.items())]
        # log_batch takes at most 100 params per call.
        for start in range(0, len(items), 100):
            chunk = items[start:start + 100]
            self._call(lambda c, chunk=chunk: c.log_batch(self.run_id, params=chunk))

    def log_metrics(self, metrics: Mapping[str, float], step: int) -> None:
        from mlflow.entities import Metric

        now = time.time()
        self.csv.append(metrics, step, now)
        stamp = int(now * 1000)
        batch = [Metric(k, float(v), stamp, int(step)) for k, v in metrics.items()]
        self._call(lambda c: c.log_batch(self.run_id, metrics=batch))

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        """Upload a file or (recursively) a folder."""
        path = Path(path)
        if path.is_dir():
            self._call(lambda c: c.log_artifacts(self.run_id, str(path), artifact_path))
        else:
            self._call(lambda c: c.log_artifact(self.run_id, str(path), artifact_path))

    def log_dataset(self, source: str | Path, digest: str, *, name: str,
                    profile: Mapping[str, Any], context: str) -> None:
        """Data the run used (the runs table's Dataset column): a file or folder, its digest
        and counts, and what the run did with it (`training`, `evaluation`)."""
        from mlflow.entities import Dataset, DatasetInput, InputTag

        dataset = Dataset(name=name[:200], digest=digest[:36], source_type="local",
                          source=json.dumps({"uri": Path(source).resolve().as_uri()}),
                          profile=json.dumps(dict(profile)))
        entry = DatasetInput(dataset, tags=[InputTag("mlflow.data.context", context)])
        self._call(lambda c: c.log_inputs(self.run_id, datasets=[entry]))

    def log_model(self, checkpoint: str | Path, registered_name: str | None = None,
                  chords: bool = False) -> str | None:
        """Log a Serenade checkpoint as an MLflow model of this run (pyfunc flavour:
        `serenade.models.mlflow_model`) and register it as `registered_name` when the store has
        a model registry (`chords`: a chord-conditioned model); returns the model's URI (None
        when MLflow is off)."""
        if self._client is None or self.run_id is None:
            return None
        import mlflow
        from mlflow.tracking._tracking_service.utils import _use_tracking_uri

        from serenade.models import mlflow_model

        # The fluent API logs models; point it at this run's store for this call only, and
        # leave $MLFLOW_TRACKING_URI (which setting the URI also sets) as it was.
        saved_env = os.environ.get("MLFLOW_TRACKING_URI")
        try:
            with _use_tracking_uri(self.tracking_uri), mlflow.start_run(run_id=self.run_id):
                # named after the model, logged from what ran (not the script's file name,
                # a temporary file under Snakemake)
                info = mlflow_model.log_model(
                    checkpoint, chords=chords, name=registered_name or self.run_name,
                    tags={k: v for k, v in self.tags.items() if k.startswith("mlflow.source.")})
            if registered_name:
                try:
                    with _use_tracking_uri(self.tracking_uri):
                        mlflow.register_model(info.model_uri, registered_name)
                except mlflow.exceptions.MlflowException as error:  # e.g. a file store
                    LOG.warning("MLflow model not registered (%s): %s", self.tracking_uri,
                                str(error).splitlines()[0])
            return info.model_uri
        except Exception as error:  # noqa: BLE001 - the run's own record goes on without it
            LOG.warning("MLflow model of %s not logged (%s): %s", checkpoint,
                        type(error).__name__, str(error).splitlines()[0] if str(error) else "")
            return None
        finally:
            if saved_env is None:
                os.environ.pop("MLFLOW_TRACKING_URI", None)
            else:
                os.environ["MLFLOW_TRACKING_URI"] = saved_env

    def set_tags(self, tags: Mapping[str, str]) -> None:
        for key, value in tags.items():
            self._call(lambda c, k=key, v=value: c.set_tag(self.run_id, k, str(v)))

    # -- internals -------------------------------------------------------------------------

    def _make_client(self):
        from mlflow.tracking import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri)

    def _experiment_id(self) -> str:
        from mlflow.exceptions import MlflowException

        found = self._client.get_experiment_by_name(self.experiment)
        if found is not None:
            if EXPERIMENT_KIND not in found.tags:  # made by an older Serenade or by hand
                self._client.set_experiment_tag(found.experiment_id, EXPERIMENT_KIND,
                                                MODEL_TRAINING)
            return found.experiment_id
        location = None
        if _sqlite_path(self.tracking_uri) is not None:
            # A local store: keep artifacts in results/mlflow/artifacts, not ./mlruns of the cwd.
            location = (self.artifact_root / self.experiment).as_uri()
        try:
            return self._client.create_experiment(self.experiment, artifact_location=location,
                                                  tags={EXPERIMENT_KIND: MODEL_TRAINING})
        except MlflowException:
            # Another job created it between our lookup and our create.
            found = self._client.get_experiment_by_name(self.experiment)
            if found is None:
                raise
            return found.experiment_id

    def _run_exists(self, run_id: str) -> bool:
        from mlflow.exceptions import MlflowException

        try:
            return self._client.get_run(run_id).info.lifecycle_stage == "active"
        except MlflowException:
            return False

    def _call(self, action) -> None:
        if self._client is None or self.run_id is None:
            return
        try:
            action(self._client)
        except Exception as error:  # noqa: BLE001
            self._disable(error)

    def _disable(self, error: BaseException) -> None:
        self._client = None
        if not self._warned:
            self._warned = True
            message = (f"MLflow tracking at {self.tracking_uri} failed ({type(error).__name__}: "
                       f"{str(error).splitlines()[0] if str(error) else ''}); training continues "
                       f"and metrics go to {self.csv.path} only")
            LOG.warning(message)
            warnings.warn(message, RuntimeWarning, stacklevel=3)
