"""What `make run` shows on the console, for real: a tiny workflow run through snakemake (data,
a 20-step training, the fixture checkpoint imported, samples and an interpolation with audio),
its console read as a user sees it (snakemake's stdout and stderr), its job logs beside it."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml

from serenade.paths import MAGENTA_FIXTURES, REPO_ROOT

from testing.fixtures import fixture_checkpoint
from testing.workflow import run_snakemake

CASES = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases"
# What TensorFlow's C++ logging writes (glog style: level letter, date, time, thread, file:line)
# and the warnings every job used to print.
NOISE = (re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d", re.M), "cuInit", "oneDNN", "absl::",
         "cpu_feature_guard", "Couldn't find ffmpeg")


def _found(pattern, text: str) -> bool:
    return bool(pattern.search(text)) if isinstance(pattern, re.Pattern) else pattern in text


def _config(root, midi):
    return {
        "sources": [{"name": "cases", "path": str(midi)}],
        "data": {"eval_fraction": 0.3, "train_shards": 1, "eval_shards": 1, "workers": 1},
        "models": [{"name": "fixture", "config": "cat-mel_2bar_small",
                    "checkpoint": {"path": str(fixture_checkpoint())}},
                   {"name": "tiny", "config": "cat-mel_2bar_tiny",
                    "hparams": "enc_rnn_size=[32],dec_rnn_size=[32]",
                    "train": {"steps": 20, "batch_size": 8, "eval_every": 1000,
                              "eval_max_windows": 16}}],
        "tracking": {"uri": f"sqlite:///{root / 'mlflow.db'}", "log_every": 5},
        "generate": {"models": ["fixture"],
                     "sample": {"n": 2, "temperatures": [0.5]},
                     "interpolations": [{"name": "pair", "from": "cases:BlueStockingClog_0.mid",
                                         "to": "cases:1625-1700_6.mid", "num_steps": 3}]},
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("console")
    midi = root / "midi"
    shutil.copytree(CASES, midi)
    (root / "config").mkdir()
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(_config(root, midi)))
    generated = "results/generated/fixture"
    args = ["-s", str(REPO_ROOT / "Snakefile"), "--directory", str(root), "--cores", "2",
            "results/models/tiny/eval.json", f"{generated}/samples",
            f"{generated}/interpolations/pair"]
    result = run_snakemake(*args)
    return {"root": root, "args": args, "console": result.stdout + result.stderr}


@pytest.mark.slow
def test_training_progress_is_on_the_console_and_in_its_log(run):
    lines = [line for line in run["console"].splitlines()
             if line.startswith("[train_model tiny] step ")]
    assert len(lines) >= 3, run["console"][-3000:]
    assert re.fullmatch(r"\[train_model tiny\] step 20/20 \(100%\) \| loss [\d.e+-]+ \| "
                        r"[\d.]+ ex/s \| ETA \w+", lines[-1]), lines[-1]
    log = (run["root"] / "results" / "logs" / "train" / "tiny.log").read_text()
    assert "step 20/20 (100%) | loss" in log and "r_loss" in log  # the whole line in the log


@pytest.mark.slow
def test_no_tensorflow_or_cuda_noise_on_the_console_it_stays_in_the_logs(run):
    console = run["console"]
    for pattern in NOISE:
        assert not _found(pattern, console), (pattern, console[-3000:])
    log = (run["root"] / "results" / "logs" / "train" / "tiny.log").read_text()
    assert _found(NOISE[0], log), log[-3000:]  # TensorFlow's C++ lines, kept whole


@pytest.mark.slow
def test_the_synth_fallback_is_said_once_per_run_though_two_jobs_render_audio(run):
    if shutil.which("fluidsynth"):
        pytest.skip("FluidSynth is installed: no fallback to announce")
    console = run["console"]
    assert console.count("built-in synth") == 1, console[-3000:]
    logs = run["root"] / "results" / "logs" / "generate" / "fixture"
    for name in ("sample.log", "interpolate-pair.log"):
        assert "built-in synth" in (logs / name).read_text(), name
    assert not (run["root"] / ".snakemake" / "serenade-once").exists() or not any(
        (run["root"] / ".snakemake" / "serenade-once").iterdir())  # markers removed at the end


@pytest.mark.slow
def test_generation_jobs_show_their_progress(run):
    console = run["console"]
    assert "[sample fixture] samples written 2/2 (100%)" in console, console[-3000:]
    assert "[interpolate fixture pair] interpolation pair: pieces written 4/4 (100%)" in console
    assert "[sample fixture] loading model fixture" in console


def test_a_local_run_asks_for_no_gpu_and_the_slurm_profile_asks_for_one(tmp_path):
    midi = tmp_path / "midi"
    shutil.copytree(CASES, midi)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(_config(tmp_path, midi)))
    args = ["-s", str(REPO_ROOT / "Snakefile"), "--directory", str(tmp_path)]
    # Which models train is known once the dataset is built (build_dataset is a checkpoint):
    # before that a dry run plans the data only.
    fresh = run_snakemake(*args, "-n", "train", "--cores", "2").stdout
    assert "checkpoint build_dataset:" in fresh and "rule train_model:" not in fresh
    run_snakemake(*args, "data", "--cores", "2")
    args.extend(["-n", "train"])
    local = run_snakemake(*args, "--cores", "2").stdout
    assert "rule train_model:" in local and "gpu=" not in local
    slurm = run_snakemake(*args, "--profile", str(REPO_ROOT / "profiles" / "slurm")).stdout
    train_job = slurm[slurm.index("rule train_model:"):].split("\n\n")[0]
    assert "gpu=1" in train_job, train_job


@pytest.mark.slow
def test_the_report_offers_every_samples_audio(run):
    """The same run's report (this module's run is the smallest with samples and audio)."""
    path = run["root"] / "report.html"
    run_snakemake(*run["args"], "--report", str(path))
    results = json.loads(re.search(r'<script id="results">\s*var results = (.*?);\s*</script>',
                                   path.read_text(), re.S).group(1))
    base = "results/generated/fixture/samples/t0.5/"
    for i in range(2):
        entry = results[base + f"sample-00{i}.wav"]
        assert entry["labels"]["output"] == f"temperature 0.5: audio of sample 00{i}"
