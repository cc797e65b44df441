"""`snakemake train` for real on a tiny config: SIGKILL mid-run, restart, resume; import rule."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
CASES = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases"
STEPS = 400


def _args(work: Path) -> list[str]:
    return [SNAKEMAKE, "-s", str(REPO_ROOT / "Snakefile"), "--directory", str(work),
            "--cores", "2", "--rerun-incomplete"]


def _checkpoint_steps(work: Path) -> list[int]:
    found = []
    for path in (work / "results" / "checkpoints").glob("tiny-*/ckpt-*.npz"):
        found.append(int(re.search(r"ckpt-(\d+)", path.name).group(1)))
    return sorted(found)


@pytest.fixture()
def work(tmp_path):
    midi = tmp_path / "midi"
    midi.mkdir()
    for path in sorted(CASES.glob("*.mid")):
        shutil.copy(path, midi / path.name)
    config = {
        "sources": [{"name": "cases", "path": str(midi)}],
        "data": {"eval_fraction": 0.3, "train_shards": 1, "eval_shards": 1, "workers": 1},
        "models": [{"name": "tiny", "config": "cat-mel_2bar_tiny", "hparams": "dec_rnn_size=[64,64]",
                    "train": {"steps": STEPS, "batch_size": 32, "eval_every": 1000,
                              "checkpoint_every": 20, "keep_checkpoints": 2,
                              "scale_schedules": True}}],
        "tracking": {"uri": f"sqlite:///{tmp_path / 'mlflow.db'}", "log_every": 20},
    }
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return tmp_path


@pytest.mark.slow
def test_sigkill_mid_training_then_rerun_resumes_from_latest_checkpoint(work):
    # Build the data first so the kill lands in training, not in parsing.
    subprocess.run([*_args(work), "data"], check=True, capture_output=True, timeout=600)
    job = subprocess.Popen([*_args(work), "train"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while not [s for s in _checkpoint_steps(work) if s >= 60]:
            assert job.poll() is None, "snakemake ended before the kill"
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.1)
    finally:
        os.killpg(job.pid, signal.SIGKILL)  # snakemake and its training job, no clean-up
        job.wait()
    killed_at = _checkpoint_steps(work)[-1]
    assert 60 <= killed_at < STEPS
    assert not (work / "results" / "models" / "tiny" / "eval.json").exists()
    store = next((work / "results" / "checkpoints").glob("tiny-*"))
    run_id = (store / "mlflow_run_id.txt").read_text().strip()
    with np.load(store / f"ckpt-{killed_at:09d}.npz") as saved:
        optimizer_keys = [k for k in saved.files if k.startswith("optimizer/")]
        assert int(saved["step"]) == killed_at and len(optimizer_keys) > 2

    subprocess.run([SNAKEMAKE, "-s", str(REPO_ROOT / "Snakefile"), "--directory", str(work),
                    "--unlock"], check=True, capture_output=True, timeout=300)
    again = subprocess.run([*_args(work), "train"], capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-4000:]

    log = (work / "results" / "logs" / "train" / "tiny.log").read_text()
    resumed = re.findall(r"resuming from step (\d+)", log)
    assert resumed, log[-3000:]
    # The rerun restored the newest complete checkpoint (a later one may have been written
    # between the poll and the kill).
    assert int(resumed[-1]) >= killed_at
    assert _checkpoint_steps(work)[-1] == STEPS and store.is_dir()
    assert json.loads((work / "results/models/tiny/eval.json").read_text())["windows"] > 0

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{work / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("cat-mel_2bar_tiny")
    runs = client.search_runs([experiment.experiment_id])
    assert [r.info.run_id for r in runs] == [run_id]  # the resumed job continued its own run
    assert runs[0].info.status == "FINISHED"
    steps = [m.step for m in client.get_metric_history(run_id, "loss")]
    assert min(steps) <= killed_at < max(steps) == STEPS
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"checkpoint", "training-curve.png", "requirements-freeze.txt", "config.yaml"} <= artifacts

    # Nothing left to do; a forced rerun is a new MLflow run, not a resume of the finished one.
    plan = subprocess.run([*_args(work), "train", "-n"], capture_output=True, text=True)
    assert "Nothing to be done" in plan.stdout
