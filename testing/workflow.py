"""Running the project's Snakemake workflow from a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from serenade.paths import REPO_ROOT


def run_snakemake(*args: str, cwd=REPO_ROOT, check: bool = True, timeout: float = 900):
    """Run the project's snakemake (the venv's, beside this Python); with `check`, a failure
    is an AssertionError carrying the ends of its stdout and stderr."""
    command = [str(Path(sys.executable).with_name("snakemake")), *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n"
                             f"{result.stderr[-6000:]}")
    return result


def run_workflow_in(root: Path, config: dict, *args: str, timeout: float = 1500):
    """Write `config` as `root`/config/config.yaml and run the project's Snakefile on `root`
    (2 cores): what a test of an example config does with its tiny version of the example."""
    import yaml

    (root / "config").mkdir(exist_ok=True)
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return run_workflow_on(root, *args, timeout=timeout)


def _workflow_args(root: Path, *args: str) -> list[str]:
    """The Snakefile on `root` with 2 cores, then `args`: one command line for every helper."""
    return ["-s", str(REPO_ROOT / "Snakefile"), "--directory", str(root), "--cores", "2", *args]


def run_workflow_on(root: Path, *args: str,
                    timeout: float = 1500) -> subprocess.CompletedProcess[str]:
    """Run the project's Snakefile on `root` as its config stands (2 cores): a rerun, a report
    or a dry run after `run_workflow_in`, without rewriting the config it ran with."""
    return run_snakemake(*_workflow_args(root, *args), timeout=timeout)


def start_workflow_on(root: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start the Snakefile on `root` in the background, output discarded, in a session of its
    own: a test that kills a run mid-job kills snakemake and its jobs as one process group."""
    command = [str(Path(sys.executable).with_name("snakemake")), *_workflow_args(root, *args)]
    return subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def model_runs(tracking_uri: str, experiment: str, parent_kind: str = "train"):
    """(the runs of `parent_kind`: train or import, {job: run} of the generation runs) in an
    MLflow experiment: what a workflow test checks after a run."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri)
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    parents = [r for r in runs if r.data.tags.get("serenade.kind") == parent_kind]
    children = {r.data.tags["serenade.job"]: r for r in runs
                if r.data.tags.get("serenade.kind") == "generate"}
    return parents, children
