from serenade.generation.tracking import find_model_run, start_generation_run
from serenade.tracking import RunTracker


def test_generation_run_is_child_of_the_model_run(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    results = tmp_path / "results"
    assert find_model_run("mine", "cat-mel_2bar_small", uri, results) is None
    old = RunTracker(experiment="cat-mel_2bar_small", run_name="mine", csv_path=tmp_path / "a.csv",
                     tracking_uri=uri, results_dir=results,
                     tags={"serenade.model": "mine", "serenade.kind": "train"})
    old.start()
    old.finish()
    new = RunTracker(experiment="cat-mel_2bar_small", run_name="mine", csv_path=tmp_path / "b.csv",
                     tracking_uri=uri, results_dir=results,
                     tags={"serenade.model": "mine", "serenade.kind": "import"})
    new.start()
    new.finish()
    other = RunTracker(experiment="cat-mel_2bar_small", run_name="other",
                       csv_path=tmp_path / "c.csv", tracking_uri=uri, results_dir=results,
                       tags={"serenade.model": "other", "serenade.kind": "train"})
    other.start()
    assert find_model_run("mine", "cat-mel_2bar_small", uri, results) == new.run_id

    child = start_generation_run("mine", "cat-mel_2bar_small", "samples", tmp_path / "g.csv",
                                 tracking_uri=uri, results_dir=results)
    child.log_metrics({"windows": 3.0}, step=0)
    child.finish()
    from mlflow.tracking import MlflowClient

    run = MlflowClient(uri).get_run(child.run_id)
    assert run.data.tags["mlflow.parentRunId"] == new.run_id
    assert run.data.tags["serenade.kind"] == "generate"
    assert run.data.metrics["windows"] == 3.0
    # a generation run is never taken for a model run
    assert find_model_run("mine", "cat-mel_2bar_small", uri, results) == new.run_id


def test_without_a_model_run_there_is_no_parent(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    child = start_generation_run("lonely", "cat-mel_2bar_small", "samples", tmp_path / "g.csv",
                                 tracking_uri=uri, results_dir=tmp_path)
    from mlflow.tracking import MlflowClient

    assert "mlflow.parentRunId" not in MlflowClient(uri).get_run(child.run_id).data.tags


def test_a_walk_run_carries_its_input_files_and_the_jobs_source(tmp_path):
    """A real journey of magenta's fixture model over two real MIDI files, tracked."""
    from mlflow.tracking import MlflowClient

    from serenade.generation.jobs.context import JobContext
    from serenade.generation.jobs.walks import run_walk
    from testing.fixtures import FIXTURE_CHECKPOINT_2BAR, magenta_fixture
    from serenade.tracking import file_digest

    info = magenta_fixture(FIXTURE_CHECKPOINT_2BAR)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    inputs = [info["folder"] / "cases" / "BlueStockingClog_0.mid",
              info["folder"] / "cases" / "0626-0700_2.mid"]
    ctx = JobContext("fixture", info["config"], info["folder"] / "checkpoint", tmp_path / "walk",
                     hparams=info["hparam_arch"], tracking_uri=uri, results_dir=tmp_path)
    run_walk(ctx, kind="journey", name="two_tunes", inputs=[str(p) for p in inputs],
             window="most_notes", num_steps=2, method="slerp", temperature=0.0, seed=0,
             qpm=120.0, sources=[])
    client = MlflowClient(uri)
    [run] = client.search_runs([client.get_experiment_by_name(info["config"]).experiment_id])
    assert run.info.run_name == "fixture/journey/two_tunes"
    assert run.data.tags["mlflow.source.name"] == "serenade generate journey"  # not the walk's
    logged = {entry.dataset.name: entry for entry in run.inputs.dataset_inputs}
    assert set(logged) == {p.name for p in inputs}
    for path in inputs:
        dataset = logged[path.name].dataset
        assert dataset.digest == file_digest([path])[:36]
        assert path.resolve().as_uri() in dataset.source
        assert [t.value for t in logged[path.name].tags] == ["input"]
