from serenade.generation.tracking import find_model_run, start_generation_run
from serenade.training.tracking import RunTracker


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
