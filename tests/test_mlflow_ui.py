"""MLflow's UI as a new user meets it: the README's `serenade ui` on a real store (a model
imported by the workflow's own job), its link opened in a fresh headless Chromium, which must
show the runs table and not the GenAI overview; a click on the run opens it with its source;
the logged model carries the model's name and its source."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from serenade.generation.jobs.context import JobContext
from serenade.generation.jobs.walks import run_walk
from serenade.training.job import RunOptions, import_model
from serenade.tracking import default_tracking_uri

from testing.fixtures import (FIXTURE_CHECKPOINT_2BAR, fixture_checkpoint, fixture_note_sequences,
                              magenta_fixture)
from testing.music_files import write_note_sequence_tfrecord

pytestmark = pytest.mark.xdist_group("mlflow_ui")

SERENADE = str(Path(sys.executable).with_name("serenade"))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A project folder whose results/mlflow/ holds one imported model, as the workflow logs it."""
    root = tmp_path_factory.mktemp("project")
    uri = default_tracking_uri(root / "results")
    records = write_note_sequence_tfrecord(root / "eval.tfrecord", fixture_note_sequences())
    import_model("fixture", "cat-mel_2bar_small", "", str(fixture_checkpoint()), [records],
                 root / "out", results_dir=root / "results", eval_max_windows=16,
                 options=RunOptions(tracking_uri=uri))
    # and a journey of that model, as the workflow's generation job logs it (its child run)
    info = magenta_fixture(FIXTURE_CHECKPOINT_2BAR)
    cases = info["folder"] / "cases"
    ctx = JobContext("fixture", "cat-mel_2bar_small", root / "out" / "checkpoint", root / "walk",
                     tracking_uri=uri, results_dir=root / "results")
    run_walk(ctx, kind="journey", name="two_tunes", window="most_notes", num_steps=2,
             inputs=[str(cases / "BlueStockingClog_0.mid"), str(cases / "0626-0700_2.mid")],
             method="slerp", temperature=0.0, seed=0, qpm=120.0, sources=[])
    return {"root": root, "uri": uri}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_the_logged_model_is_named_after_the_model_and_logged_from_serenade(store):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(store["uri"])
    experiment = client.get_experiment_by_name("cat-mel_2bar_small")
    [model] = client.search_logged_models([experiment.experiment_id])
    assert model.name == "fixture"  # not "model"
    # MLflow's "Logged from": what ran, not the running script's file name
    assert model.tags["mlflow.source.name"] == "serenade import"
    assert len(model.tags.get("mlflow.source.git.commit", "")) in (0, 40)


WAIT = """const wait = (found, ms) => new Promise((done) => {
  const started = Date.now();
  const look = () => {
    const value = found();
    if (value || Date.now() - started > ms) { done(value); } else { setTimeout(look, 300); }
  };
  look();
});
const text = () => document.body.innerText;
"""
RUNS_TABLE = WAIT + """wait(() => text().includes('eval split') && text().includes('fixture'), 90000)
  .then(() => ({text: text(), url: location.href}))"""
# from the runs table, a click on the run's name opens the run
RUN_PAGE = WAIT + """wait(() => [...document.querySelectorAll('a')].find(
    (a) => a.innerText.trim() === 'fixture' && (a.getAttribute('href') || '').includes('/runs/')),
    90000)
  .then((link) => { if (link) { link.click(); } return Boolean(link); })
  .then((clicked) => wait(() => location.href.includes('/runs/') && text().includes('Source'),
                          60000).then(() => ({clicked, text: text(), url: location.href})))"""

# a generation run's artifacts: each MIDI file beside its piano roll and audio, the roll shown
PREVIEW = WAIT + """wait(() => text().includes('journey.wav') && [...document.querySelectorAll('img')]
    .find((img) => !img.src.includes('/static/') && img.complete && img.naturalWidth > 100), 90000)
  .then((img) => ({text: text(), image: img ? img.naturalWidth : 0, source: img ? img.src : '',
                   url: location.href}))"""


@pytest.mark.slow
def test_serenade_ui_opens_the_runs_table_in_chromium(store, tmp_path):
    from chromium import chromium_evaluate, find_chromium

    if find_chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium (installed by .ci/run)")
        pytest.skip("no Chromium (install the Debian package `chromium`)")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    # the README's command, in the project folder: the store is results/mlflow/mlflow.db
    ui = subprocess.Popen([SERENADE, "ui", "--no-browser", "--port", str(port)], cwd=store["root"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    printed: list[str] = []
    threading.Thread(target=lambda: printed.extend(ui.stdout), daemon=True).start()
    try:
        deadline = time.monotonic() + 240
        while not any(line.startswith("open ") for line in printed):
            assert ui.poll() is None, "".join(printed)
            assert time.monotonic() < deadline, "serenade ui printed no link: " + "".join(printed)
            time.sleep(0.5)
        url = re.search(r"open (\S+)", printed[-1])[1]
        assert f"127.0.0.1:{port}" in url and "workflowType=machine_learning" in url
        assert any("cat-mel_2bar_small" in line and url in line for line in printed), printed
        screenshot = tmp_path / "runs.png"
        table = chromium_evaluate(url, RUNS_TABLE, timeout=240, screenshot=screenshot)
        run = chromium_evaluate(url, RUN_PAGE, timeout=240, screenshot=tmp_path / "run.png")
        walk = _walk_run(store["uri"])
        artifact = url.replace("/runs?", f"/runs/{walk.info.run_id}/artifacts/"
                                         "journeys/two_tunes/journey.png?")
        preview = chromium_evaluate(artifact, PREVIEW, timeout=240,
                                    screenshot=tmp_path / "artifacts.png")
    finally:
        ui.send_signal(signal.SIGTERM)
        ui.wait(timeout=60)
    shown = table["text"]
    assert "/runs?" in table["url"], table["url"]
    assert "fixture" in shown and "eval split" in shown, shown[:2000]  # run name, Dataset column
    for genai in ("Token Usage", "Detect Issues", "Latency"):  # not the GenAI overview
        assert genai not in shown, shown[:2000]
    assert run["clicked"] and "/runs/" in run["url"], run["url"]
    assert "serenade import" in run["text"] and "eval split" in run["text"], run["text"][:2000]
    listing = preview["text"]
    assert re.search(r"journey\.mid\njourney\.png\njourney\.wav\n", listing), listing[:2000]
    assert preview["image"] > 100, listing[:2000]  # the piano roll, shown
    assert screenshot.stat().st_size > 10_000
    assert ui.returncode == 0 and not _port_open(port)  # the server stopped with the command


def _walk_run(uri: str):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("cat-mel_2bar_small")
    [run] = client.search_runs([experiment.experiment_id],
                               filter_string="tags.`serenade.kind` = 'generate'")
    return run
