"""MLflow runs for generation jobs, as children of their model's run.

The model's run is the training or import run that `serenade.training` logged for it: the
newest run of the experiment named after the model's config with tag `serenade.model` = the
model name and `serenade.kind` = train or import. The generation run goes into the same
experiment with tag `mlflow.parentRunId` pointing at it (MLflow's UI nests it there). When the
parent cannot be found (the model was trained elsewhere, or MLflow was down then) the run is
logged without a parent and a warning says so. Everything else, store location and fallback on
an unreachable server included, is `serenade.tracking.RunTracker`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from serenade import layout, tracking

LOG = logging.getLogger(__name__)
PARENT_KINDS = ("train", "import")


def find_model_run(model_name: str, config_name: str, tracking_uri: str | None = None,
                   results_dir: str | Path = layout.RESULTS) -> str | None:
    """Run id of the newest training/import run of `model_name`, or None."""
    tracking.configure_http_retries()
    try:
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=tracking.resolve_tracking_uri(tracking_uri, results_dir))
        experiment = client.get_experiment_by_name(config_name)
        if experiment is None:
            return None
        runs = client.search_runs(
            [experiment.experiment_id],
            filter_string=f"tags.`serenade.model` = '{model_name}'",
            order_by=["attributes.start_time DESC"], max_results=50)
    except Exception as error:  # noqa: BLE001 - an unreachable store means "no parent"
        LOG.warning("could not look up the MLflow run of model %s: %s", model_name, error)
        return None
    for run in runs:
        if run.data.tags.get("serenade.kind") in PARENT_KINDS:
            return run.info.run_id
    return None


def source_name(job: str) -> str:
    """The runs table's Source of a generation job: the kind of job ("serenade generate
    journey"), as training runs show "serenade train"; which walk it was is the run's name."""
    return f"serenade generate {job.split('/')[0]}"


def log_input_files(tracker, paths: Sequence[str | Path], *, context: str,
                    name: str | None = None, profile: Mapping[str, int] | None = None) -> None:
    """Files a generation job read, as one dataset of its run (the runs table's Dataset
    column): `name` (default: the one file's name), their sha256, count and bytes."""
    paths = [Path(p) for p in paths]
    if not paths:
        return
    tracker.log_dataset(paths[0] if len(paths) == 1 else paths[0].parent, tracking.file_digest(paths),
                        name=name or paths[0].name, context=context,
                        profile={"files": len(paths),
                                 "bytes": sum(p.stat().st_size for p in paths),
                                 **(profile or {})})


def start_generation_run(model_name: str, config_name: str, job: str, csv_path: str | Path, *,
                         tracking_uri: str | None = None, results_dir: str | Path = layout.RESULTS
                         ) -> tracking.RunTracker:
    """A started RunTracker for one generation job, child of the model's run when found."""
    parent = find_model_run(model_name, config_name, tracking_uri, results_dir)
    tags = {"serenade.model": model_name, "serenade.kind": "generate", "serenade.job": job}
    if parent:
        tags["mlflow.parentRunId"] = parent
    else:
        LOG.warning("no MLflow run found for model %s (experiment %s): the %s run is logged "
                    "without a parent", model_name, config_name, job)
    tracker = tracking.RunTracker(experiment=config_name, run_name=f"{model_name}/{job}",
                                  csv_path=csv_path, tracking_uri=tracking_uri,
                                  results_dir=results_dir, tags=tags,
                                  source_name=source_name(job))
    tracker.start()
    return tracker


class NoTracking:
    """The tracker of a job run from the command line with tracking off: logs nothing."""

    run_id = None

    def log_params(self, params) -> None:
        pass

    def log_metrics(self, metrics, step: int) -> None:
        pass

    def log_artifact(self, path, artifact_path=None) -> None:
        pass

    def log_dataset(self, source, digest, **details) -> None:
        pass

    def finish(self, status: str = "FINISHED") -> None:
        pass
