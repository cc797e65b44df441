"""The workflow on a real Slurm cluster: `snakemake --profile profiles/slurm` against a one-node
cluster started on 127.0.0.1 (tests/slurm_cluster.py), logging to a real `mlflow server`.

A tiny melody model is trained through Slurm; its training job is `scancel`led after its first
resume checkpoint, and the rerun resumes it and runs the rest of the workflow, every rule as its
own sbatch job. Then MLflow is checked (training run, generation runs nested under it, artifacts
proxied by the server), and last a job broken on purpose must be reported with its Slurm log.

Needs Debian's slurmctld, slurmd, slurm-client and munge and root (slurmd starts the jobs):
skipped without them, except under CI=true (.ci/run installs them), where that is a failure.
The cluster's settings that differ from a site's (partition, no account, `squeue` for job
states as there is no slurmdbd, no GPU) are command-line overrides of the shipped profile.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import yaml

from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT
from slurm_cluster import PARTITION, free_port, local_cluster, missing_binaries

# one module fixture (cluster and run) for all tests: keep them on one xdist worker, in order
pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.xdist_group("slurm_cluster")]

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
MLFLOW = str(Path(sys.executable).with_name("mlflow"))
CASES = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases"
MODEL, CONFIG = "tiny", "cat-mel_2bar_tiny"
STEPS, CHECKPOINT_EVERY = 300, 20


def _require_cluster() -> None:
    missing = missing_binaries()
    reason = None
    if missing:
        reason = (f"Slurm is not installed (missing {', '.join(missing)}; "
                  "apt-get install slurmctld slurmd slurm-client munge)")
    elif os.geteuid() != 0:
        reason = "the one-node Slurm cluster needs root (slurmd starts the jobs)"
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason}: required in CI (see .ci/run)")
        pytest.skip(reason)


def _mlflow_server(root: Path):
    """`mlflow server` with a SQLite backend and artifacts proxied through it, as on a head node."""
    port = free_port()
    log = open(root / "mlflow-server.log", "w")
    process = subprocess.Popen(
        [MLFLOW, "server", "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
         "--artifacts-destination", str(root / "mlflow-artifacts"), "--serve-artifacts",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=2) as answer:
                if answer.status == 200:
                    return process, uri
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("mlflow server did not start:\n"
                               + (root / "mlflow-server.log").read_text()[-3000:])
        time.sleep(0.5)


def _snakemake(root: Path, uri: str, *extra: str) -> list[str]:
    """The shipped profile, plus what this cluster needs that a site sets in its own copy."""
    return [SNAKEMAKE, "--profile", str(REPO_ROOT / "profiles" / "slurm"),
            "-s", str(REPO_ROOT / "Snakefile"), "--directory", str(root),
            "--default-resources", f"slurm_partition={PARTITION}", "mem_mb=1000",
            "runtime=30", "disk_mb=1000",
            "--set-resources", "train_model:gpu=0",  # a CPU-only node
            "--slurm-no-account", "--slurm-status-command", "squeue",
            "--slurm-init-seconds-before-status-checks", "2",
            "--slurm-keep-successful-logs", "--latency-wait", "5",
            "--config", f"tracking={{'uri': '{uri}'}}",
            "--rerun-incomplete", *extra]


def _checkpoint_steps(root: Path) -> list[int]:
    return sorted(int(re.search(r"ckpt-(\d+)", p.name).group(1))
                  for p in (root / "results" / "checkpoints").glob(f"{MODEL}-*/ckpt-*.npz"))


def _slurm_logs(root: Path) -> dict[str, list[Path]]:
    """{rule: [its Slurm job logs]} from the plugin's .snakemake/slurm_logs/rule_<rule>/..."""
    logs: dict[str, list[Path]] = {}
    for path in (root / ".snakemake" / "slurm_logs").glob("rule_*/**/*.log"):
        rule = path.relative_to(root / ".snakemake" / "slurm_logs").parts[0][len("rule_"):]
        logs.setdefault(rule, []).append(path)
    return logs


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    _require_cluster()
    root = tmp_path_factory.mktemp("slurm")
    midi = root / "midi"
    shutil.copytree(CASES, midi)
    config = {
        # a music21 source too: its export is a checkpoint, the DAG re-planned after its job
        "sources": [{"name": "cases", "path": str(midi)},
                    {"name": "chorale", "music21": {"include": ["bach/bwv10.7.mxl"]}}],
        "data": {"eval_fraction": 0.3, "train_shards": 1, "eval_shards": 1, "workers": 1},
        "models": [{"name": MODEL, "config": CONFIG,
                    "hparams": "enc_rnn_size=[32],dec_rnn_size=[32]",
                    "train": {"steps": STEPS, "batch_size": 16, "eval_every": 1000,
                              "checkpoint_every": CHECKPOINT_EVERY, "keep_checkpoints": 2,
                              "eval_max_windows": 16},
                    "resources": {"threads": 1, "mem_mb": 2000, "runtime": 30}}],
        "tracking": {"uri": "", "log_every": 10},  # the profile's URI, overridden below
        "generate": {"audio": {"enabled": False}, "sample": {"n": 2, "temperatures": [0.5]},
                     "interpolations": [{"name": "pair", "from": "auto", "to": "auto",
                                         "num_steps": 3}],
                     "journeys": [{"name": "tour", "inputs": ["auto", "auto", "auto"],
                                   "num_steps": 3}],
                     "attributes": {"max_train_windows": 100, "max_eval_windows": 12},
                     "metrics": {"max_windows": 20}, "quality": {"samples": 16}},
    }
    (root / "config").mkdir()
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    server, uri = _mlflow_server(root)
    try:
        # 4 CPUs announced on a smaller machine: two 2-thread jobs at once, mostly start-up time
        with local_cluster(root / "cluster", cpus=4) as cluster:
            env = cluster.env
            # 1. Data and training through Slurm; cancel the training job after its first
            #    resume checkpoint, as a user or the scheduler (preemption) would.
            first_log = root / "first-run.log"
            with open(first_log, "w") as handle:
                first = subprocess.Popen(_snakemake(root, uri, "--retries", "0", "train"),
                                         env=env, stdout=handle, stderr=subprocess.STDOUT,
                                         start_new_session=True)
            deadline = time.monotonic() + 900
            try:
                while not _checkpoint_steps(root):
                    assert first.poll() is None, "snakemake ended before the scancel:\n" + \
                        first_log.read_text()[-6000:]
                    assert time.monotonic() < deadline, "no resume checkpoint appeared"
                    time.sleep(0.1)
                training = [job for job in cluster.queue() if job["state"] == "RUNNING"
                            and job["comment"].startswith("rule_train_model")]
                assert len(training) == 1, cluster.queue()
                cluster.run("scancel", training[0]["id"])
                first.wait(timeout=300)
                cancelled_output = first_log.read_text()
            finally:
                if first.poll() is None:
                    os.killpg(first.pid, signal.SIGKILL)
                    first.wait()
            cancelled_at = _checkpoint_steps(root)[-1]
            # 2. The rerun resumes training and runs the whole workflow.
            run = subprocess.run(_snakemake(root, uri), env=env, capture_output=True, text=True,
                                 timeout=1800)
            assert run.returncode == 0, f"{run.stdout[-4000:]}\n{run.stderr[-8000:]}"
            yield {"root": root, "config": config, "uri": uri, "cluster": cluster, "env": env,
                   "first": first, "cancelled_output": cancelled_output,
                   "cancelled_job": training[0]["id"], "cancelled_at": cancelled_at,
                   "run": run, "out": root / "results" / "generated" / MODEL}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_cancelled_training_job_is_reported_and_the_rerun_resumes_it(work):
    first, root = work["first"], work["root"]
    assert first.returncode != 0
    assert f"SLURM-job '{work['cancelled_job']}' failed" in work["cancelled_output"]
    assert "CANCELLED" in work["cancelled_output"]
    assert CHECKPOINT_EVERY <= work["cancelled_at"] < STEPS
    log = (root / "results" / "logs" / "train" / f"{MODEL}.log").read_text()
    resumed = [int(step) for step in re.findall(r"resuming from step (\d+)", log)]
    assert resumed and resumed[-1] >= work["cancelled_at"], log[-3000:]
    assert _checkpoint_steps(root)[-1] == STEPS
    assert (root / "results" / "models" / MODEL / "eval.json").is_file()


def test_every_rule_ran_as_its_own_slurm_job(work):
    root, cluster = work["root"], work["cluster"]
    logs = _slurm_logs(root)
    expected = {"export_music21", "parse_source", "build_dataset", "train_model", "sample",
                "interpolate",
                "journey", "attributes", "variations", "music_metrics", "quality",
                "data_summary_table"}
    assert expected <= set(logs), sorted(logs)
    assert len(logs["train_model"]) == 2  # cancelled, then resumed
    finished = cluster.finished_jobs()
    by_id = {path.stem: rule for rule, paths in logs.items() for path in paths}
    assert set(by_id) <= set(finished), (sorted(by_id), sorted(finished))
    for job_id, rule in by_id.items():
        state = finished[job_id]["State"]
        expected_state = "CANCELLED" if job_id == work["cancelled_job"] else "COMPLETED"
        assert state == expected_state, (rule, job_id, state)
        assert finished[job_id]["Partition"] == PARTITION
    assert len(finished) == len(by_id)  # no other job ran
    # outputs landed
    out = work["out"]
    assert len(list((out / "samples").glob("*/sample-*.mid"))) == 2
    assert (out / "interpolations" / "pair" / "inputs.txt").is_file()
    assert (out / "journeys" / "tour" / "inputs.txt").is_file()
    assert (out / "attributes" / "effects.csv").is_file()
    assert (out / "quality.txt").is_file() and (out / "metrics.csv").is_file()
    assert (root / "results" / "data" / "summary.html").is_file()
    manifest = pd.read_csv(root / "results" / "data" / "manifest.csv")
    assert (manifest["status"] == "ok").sum() > 0
    assert list(manifest.loc[manifest["source"] == "chorale", "path"]) == ["bach/bwv10.7_0.mid"]


def test_mlflow_server_holds_training_and_generation_runs(work):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(work["uri"])
    experiment = client.get_experiment_by_name(CONFIG)
    runs = client.search_runs([experiment.experiment_id])
    trained = [r for r in runs if r.data.tags.get("serenade.kind") == "train"]
    assert len(trained) == 1, [r.data.tags for r in runs]  # the resumed job continued its run
    parent = trained[0].info.run_id
    steps = [m.step for m in client.get_metric_history(parent, "loss")]
    assert min(steps) <= work["cancelled_at"] < max(steps) <= STEPS
    assert client.list_artifacts(parent, "checkpoint")
    children = {r.data.tags["serenade.job"]: r for r in runs
                if r.data.tags.get("serenade.kind") == "generate"}
    assert set(children) == {"samples", "interpolation/pair", "journey/tour", "attributes",
                             "variations", "music_metrics", "quality"}, sorted(children)
    for job, child in children.items():
        assert child.data.tags.get("mlflow.parentRunId") == parent, job
        assert child.info.status == "FINISHED", job
    assert client.list_artifacts(children["samples"].info.run_id)
    assert client.list_artifacts(children["quality"].info.run_id, "quality")
    # proxied: the artifacts sit in the server's folder, not in the workflow's results/
    assert any((work["root"] / "mlflow-artifacts").rglob("*.mid"))
    assert not (work["root"] / "results" / "mlflow").exists()


def test_failed_job_is_reported_with_its_slurm_log(work):
    """Last, as it breaks the model: a sample job on a corrupted checkpoint fails in Slurm."""
    root = work["root"]
    weights = sorted((root / "results" / "models" / MODEL / "checkpoint").glob("model.ckpt-*"))
    assert weights, "no TensorFlow checkpoint files to break"
    for path in weights:
        path.write_bytes(b"not a checkpoint")
    target = f"results/generated/{MODEL}/samples"
    run = subprocess.run(_snakemake(root, work["uri"], "--retries", "0", "--forcerun", "sample",
                                    target), env=work["env"], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode != 0
    text = run.stdout + run.stderr
    assert "Error in rule sample" in text, text[-4000:]
    logs = [path for path in re.findall(r"\S*slurm_logs/rule_sample/\S+\.log", text)]
    assert logs, text[-4000:]
    log = Path(logs[-1]) if Path(logs[-1]).is_absolute() else root / logs[-1]
    assert log.is_file()
    assert "Traceback" in log.read_text() or "Error" in log.read_text()
