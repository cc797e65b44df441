"""Whole jobs on real data: import + evaluate a magenta checkpoint; fine-tune from it."""

from __future__ import annotations

import json
import socket

import numpy as np
import pytest

from serenade.models.checkpoint import read_checkpoint
from serenade.training.job import JobPaths, RunOptions, import_model, train_model
from serenade.training.settings import TrainSettings

from testing.fixtures import fixture_checkpoint, fixture_note_sequences
from testing.music_files import write_note_sequence_tfrecord


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    root = tmp_path_factory.mktemp("records")
    sequences = fixture_note_sequences()
    return (write_note_sequence_tfrecord(root / "train.tfrecord", sequences[:8]),
            write_note_sequence_tfrecord(root / "eval.tfrecord", sequences[8:]))


def test_import_evaluates_and_tracks_a_magenta_checkpoint(tmp_path, records):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    final = import_model("magenta_fixture", "cat-mel_2bar_small", "", str(fixture_checkpoint()),
                         [records[1]], tmp_path / "out", results_dir=tmp_path / "results",
                         options=RunOptions(tracking_uri=uri))
    assert final["windows"] > 0 and 0 < final["mu_accuracy"] <= 1
    assert json.loads((tmp_path / "out" / "eval.json").read_text()) == pytest.approx(final)
    variables, metadata = read_checkpoint(tmp_path / "out" / "checkpoint")
    assert metadata["config"] == "cat-mel_2bar_small"
    client = MlflowClient(uri)
    run = client.search_runs([client.get_experiment_by_name("cat-mel_2bar_small").experiment_id])[0]
    assert run.info.run_name == "magenta_fixture" and run.data.tags["serenade.kind"] == "import"
    assert run.data.metrics["eval_mu_accuracy"] == pytest.approx(final["mu_accuracy"])
    with pytest.raises(FileNotFoundError, match="no/such"):
        import_model("x", "cat-mel_2bar_small", "", "no/such/checkpoint", [records[1]],
                     tmp_path / "x")


@pytest.mark.slow
def test_fine_tune_from_checkpoint_starts_fresh_and_survives_dead_tracking(tmp_path, records):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    settings = TrainSettings(steps=3, batch_size=8, eval_every=100, checkpoint_every=100,
                             eval_max_windows=16, init_from=str(fixture_checkpoint()))
    with pytest.warns(RuntimeWarning, match="training continues"):
        train_model("tuned", "cat-mel_2bar_small", "learning_rate=0.0001", settings,
                    JobPaths(train=[records[0]], eval=[records[1]], out_dir=tmp_path / "out",
                             checkpoint_root=tmp_path / "ckpt", results_dir=tmp_path / "res"),
                    RunOptions(tracking_uri=dead, log_every=1))
    tuned, metadata = read_checkpoint(tmp_path / "out" / "checkpoint")
    source, _ = read_checkpoint(fixture_checkpoint())
    assert metadata["global_step"] == 3  # its own step count, not the fixture's
    kernel = "decoder/output_projection/kernel"
    change = np.abs(tuned[kernel] - source[kernel]).max()
    assert 0 < change < 3 * 1e-4 + 1e-6  # three Adam steps of at most lr each
    lines = (tmp_path / "out" / "metrics.csv").read_text().splitlines()
    assert lines[0] == "step,timestamp,key,value"
    assert any(line.startswith("3,") and ",beta," in line for line in lines)
    assert any(",eval_accuracy," in line for line in lines)
    assert (tmp_path / "out" / "training-curve.png").stat().st_size > 1000


@pytest.mark.slow
def test_fine_tune_from_a_serenade_checkpoint_keeps_its_hparams_and_continues_schedules(
        tmp_path, records):
    import yaml

    from serenade.training import schedules

    paths = lambda name: JobPaths(train=[records[0]], eval=[records[1]],  # noqa: E731
                                  out_dir=tmp_path / name, checkpoint_root=tmp_path / "ckpt",
                                  results_dir=tmp_path / "res")
    source_hparams = "z_size=8,enc_rnn_size=[24],free_bits=3.0,max_beta=0.4,beta_rate=0.9"
    train_model("source", "cat-mel_2bar_tiny", source_hparams,
                TrainSettings(steps=4, batch_size=8, eval_max_windows=8), paths("source"),
                RunOptions(tracking_uri="", log_every=1))
    # No hparams given: the fine-tune takes the source's (architecture and schedules)...
    train_model("tuned", "cat-mel_2bar_tiny", "learning_rate=0.0005",
                TrainSettings(steps=2, batch_size=8, eval_max_windows=8,
                              init_from=str(tmp_path / "source" / "checkpoint")),
                paths("tuned"), RunOptions(tracking_uri="", log_every=1))
    resolved = yaml.safe_load((tmp_path / "tuned" / "config.yaml").read_text())
    for part in source_hparams.split(",")[:1] + ["free_bits=3.0", "max_beta=0.4",
                                                 "learning_rate=0.0005"]:
        assert part in resolved["hparams"]
    # ...and beta continues from the source's 4 steps: step 1 of the fine-tune is step 4.
    betas = {int(line.split(",")[0]): float(line.split(",")[3])
             for line in (tmp_path / "tuned" / "metrics.csv").read_text().splitlines()[1:]
             if ",beta," in line}
    assert betas[2] == pytest.approx(float(schedules.kl_beta(4 + 1, 0.4, 0.9)), rel=1e-5)
    with pytest.raises(ValueError, match="scale_schedules"):
        train_model("bad", "cat-mel_2bar_tiny", "",
                    TrainSettings(steps=2, batch_size=8, scale_schedules=True,
                                  init_from=str(tmp_path / "source" / "checkpoint")),
                    paths("bad"))


def test_a_fine_tune_can_take_only_the_decoder_of_a_model_with_another_encoder(
        tmp_path, records):
    paths = lambda name: JobPaths(train=[records[0]], eval=[records[1]],  # noqa: E731
                                  out_dir=tmp_path / name, checkpoint_root=tmp_path / "ckpt",
                                  results_dir=tmp_path / "res")
    train_model("source", "cat-mel_2bar_tiny", "z_size=8,enc_rnn_size=[24]",
                TrainSettings(steps=3, batch_size=8, eval_max_windows=8), paths("source"),
                RunOptions(tracking_uri="", log_every=1))
    source, _ = read_checkpoint(tmp_path / "source" / "checkpoint")
    _assert_prior_fitted_to_the_train_split(tmp_path / "source" / "checkpoint", records[0])
    # Another encoder size: the whole model would not load; its decoder does. A learning rate
    # too small to move anything shows what the run started from.
    train_model("wider", "cat-mel_2bar_tiny", "z_size=8,enc_rnn_size=[40],learning_rate=1e-12",
                TrainSettings(steps=1, batch_size=8, eval_max_windows=8,
                              init_from=str(tmp_path / "source" / "checkpoint"),
                              init_from_part="decoder"),
                paths("wider"), RunOptions(tracking_uri="", log_every=1))
    tuned, _ = read_checkpoint(tmp_path / "wider" / "checkpoint")
    decoder = [name for name in source if name.startswith("decoder/")]
    assert decoder
    for name in decoder:
        np.testing.assert_allclose(tuned[name], source[name], atol=1e-6)
    encoder = [name for name in tuned if name.startswith("encoder/") and "lstm_cell/kernel" in name]
    assert encoder and all(tuned[name].shape[1] == 4 * 40 for name in encoder)
    assert int(tuned["global_step"]) == 1  # its own steps: schedules started at 0
    with pytest.raises(ValueError, match="decoder does not fit"):
        train_model("narrow", "cat-mel_2bar_tiny", "z_size=4",
                    TrainSettings(steps=1, batch_size=8, eval_max_windows=8,
                                  init_from=str(tmp_path / "source" / "checkpoint"),
                                  init_from_part="decoder"),
                    paths("narrow"), RunOptions(tracking_uri="", log_every=1))


def _assert_prior_fitted_to_the_train_split(checkpoint, train_record) -> None:
    """The trained model's sampling prior has the mean of its own train windows' mus."""
    from serenade.base.record_index import RecordIndex
    from serenade.models.checkpoint import load_model
    from serenade.training.window_kinds import window_kind

    model = load_model(checkpoint)
    windows, _ = window_kind(model.config.converter).eval_set(
        RecordIndex.scan([train_record]), max_windows=None, seed=0).arrays
    assert model.latent_prior is not None and model.latent_prior.windows == len(windows) > 1
    _, mu, _ = model.encode(windows)
    np.testing.assert_allclose(model.latent_prior.mean, mu.mean(axis=0), atol=1e-5)


def _phrases_and_a_tiny_teacher(tmp_path):
    """16-bar TFRecords, a job's paths and options, and a tiny 2-bar model trained 2 steps on
    them (the checkpoint's path): what a `bar_teacher` job needs."""
    long_ones = fixture_note_sequences("hierdec-mel_16bar-tiny")
    phrases = (write_note_sequence_tfrecord(tmp_path / "train.tfrecord", long_ones),
               write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", long_ones[:2]))
    paths = lambda name: JobPaths(train=[phrases[0]], eval=[phrases[1]],  # noqa: E731
                                  out_dir=tmp_path / name, checkpoint_root=tmp_path / "ckpt",
                                  results_dir=tmp_path / "res")
    options = RunOptions(tracking_uri="", log_every=1)
    train_model("teacher", "cat-mel_2bar_tiny", "z_size=32",
                TrainSettings(steps=2, batch_size=8, eval_max_windows=8), paths("teacher"),
                options)
    return paths, options, str(tmp_path / "teacher" / "checkpoint")


@pytest.mark.slow
def test_a_2bar_model_is_both_lowest_levels_of_a_model_in_2bar_units(tmp_path, caplog):
    """hier-mel_16bar_2bar_units from scratch with a `bar_teacher`: the teacher's encoder is
    the encoder's lowest level and its decoder the core; the warm-up moves neither."""
    import logging

    from serenade.tracking import read_metrics_csv

    paths, options, teacher = _phrases_and_a_tiny_teacher(tmp_path)
    settings = TrainSettings(steps=3, batch_size=4, eval_max_windows=4, bar_teacher=teacher,
                             bar_code_steps=3)
    with caplog.at_level(logging.INFO, logger="serenade"):
        train_model("units", "hier-mel_16bar_2bar_units_tiny", "learning_rate=0.01", settings,
                    paths("units"), options)
    assert "its encoder encodes every 2-bar unit" in caplog.text
    taught, _ = read_checkpoint(teacher)
    tuned, _ = read_checkpoint(tmp_path / "units" / "checkpoint")
    lowest = "encoder/hierarchical_level_0"
    encoder = [name for name in taught if name.startswith("encoder/cell_")]
    assert encoder
    for name in encoder:
        np.testing.assert_array_equal(tuned[lowest + name[len("encoder"):]], taught[name])
    np.testing.assert_array_equal(
        tuned["core_decoder/decoder/output_projection/kernel"],
        taught["decoder/output_projection/kernel"])
    history = read_metrics_csv(tmp_path / "units" / "metrics.csv")
    assert max(step for step, _ in history["code_loss"]) == 3


@pytest.mark.slow
def test_a_2bar_model_decodes_every_bar_of_a_hierarchical_model_and_teaches_its_conductor(
        tmp_path, caplog):
    """`bar_teacher`: the 2-bar model's decoder becomes the core decoder (its condition weights
    scaled) of a model that otherwise starts from `init_from`; `bar_code_steps` warm-up steps
    are logged as a code loss, then the usual objective. A learning rate too small to move
    anything shows what the run started from."""
    import logging

    from serenade.models import bar_teacher
    from serenade.tracking import read_metrics_csv

    paths, options, teacher = _phrases_and_a_tiny_teacher(tmp_path)
    train_model("earlier", "hierdec-mel_16bar_tiny", "",
                TrainSettings(steps=2, batch_size=4, eval_max_windows=4), paths("earlier"),
                options)
    earlier = str(tmp_path / "earlier" / "checkpoint")
    settings = TrainSettings(steps=4, batch_size=4, eval_max_windows=4, init_from=earlier,
                             bar_teacher=teacher, bar_code_steps=3)
    with caplog.at_level(logging.INFO, logger="serenade"):
        train_model("phrases", "hierdec-mel_16bar_tiny", "learning_rate=1e-12", settings,
                    paths("phrases"), options)
    assert "steps 1-3 teach the encoder and conductor" in caplog.text
    taught, _ = read_checkpoint(teacher)
    started, _ = read_checkpoint(earlier)
    tuned, _ = read_checkpoint(tmp_path / "phrases" / "checkpoint")
    core = "core_decoder/decoder"
    for name, value in taught.items():
        if name.startswith("decoder/"):  # the core decoder is the teacher's, scaled
            expected = np.array(value)
            if name == "decoder/z_to_initial_state/kernel":
                expected = expected * bar_teacher.CODE_SCALE
            if name.endswith("cell_0/lstm_cell/kernel"):
                expected[90:122] *= bar_teacher.CODE_SCALE  # the condition: after the 90 classes
            np.testing.assert_allclose(tuned[core + name[len("decoder"):]], expected, atol=1e-6)
    others = [name for name in started if not name.startswith(core) and name != "global_step"]
    assert any(name.startswith("encoder/") for name in others)
    for name in others:  # everything else is init_from's
        np.testing.assert_allclose(tuned[name], started[name], atol=1e-6)
    history = read_metrics_csv(tmp_path / "phrases" / "metrics.csv")
    warmup_steps = {step for step, _ in history["code_loss"]}
    assert warmup_steps and max(warmup_steps) == 3  # the first step only traces
    assert min(step for step, _ in history["accuracy"]) == 4
    with pytest.raises(ValueError, match=r"cannot teach.*decoder layers \[32, 32\]"):
        train_model("misfit", "hierdec-mel_16bar_tiny", "dec_rnn_size=[16,16]",
                    TrainSettings(steps=2, batch_size=4, bar_teacher=teacher),
                    paths("misfit"), options)


def _tiny_paths(root, records):
    return JobPaths(train=[records[0]], eval=[records[1]], out_dir=root / "out",
                    checkpoint_root=root / "ckpt", results_dir=root / "res")


def test_a_truncated_resume_checkpoint_falls_back_and_nan_weights_are_refused(
        tmp_path, records, caplog):
    """A job killed after saving (no COMPLETE mark) whose newest checkpoint was then cut short
    resumes from the one before, saying so; a checkpoint holding NaN is refused by name."""
    import logging

    from serenade.training.resume import COMPLETE_FILE, ResumeError, ResumeStore

    settings = TrainSettings(steps=3, batch_size=8, eval_every=100, checkpoint_every=1,
                             eval_max_windows=16, keep_checkpoints=3)
    options = RunOptions(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    train_model("tiny", "cat-mel_2bar_tiny", "", settings, _tiny_paths(tmp_path, records), options)
    folder, = (tmp_path / "ckpt").iterdir()
    store = ResumeStore(folder)
    assert store.steps() == [2, 3]  # the first step only traces the graph
    (folder / COMPLETE_FILE).unlink()  # as if killed before the end
    newest = store.path(3)
    newest.write_bytes(newest.read_bytes()[:-300])
    with caplog.at_level(logging.INFO, logger="serenade.training"):
        train_model("tiny", "cat-mel_2bar_tiny", "", settings, _tiny_paths(tmp_path, records),
                    options)
    assert "ckpt-000000003.npz is damaged" in caplog.text
    assert "ckpt-000000002.npz, the newest readable checkpoint" in caplog.text
    assert "resuming from step 2" in caplog.text
    assert read_checkpoint(tmp_path / "out" / "checkpoint")[1]["global_step"] == 3

    (folder / COMPLETE_FILE).unlink()
    step, model, optimizer = store.load()
    model = {name: np.full_like(value, np.nan) for name, value in model.items()}
    store.save(step, model, optimizer)
    with pytest.raises(ResumeError, match="ckpt-000000003.npz holds non-finite weights"):
        train_model("tiny", "cat-mel_2bar_tiny", "", settings, _tiny_paths(tmp_path, records),
                    options)


def test_a_run_whose_loss_goes_nan_stops_failed_and_registers_nothing(tmp_path, records):
    from mlflow.tracking import MlflowClient

    from serenade.training.job import NonFiniteLossError

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    settings = TrainSettings(steps=20, batch_size=8, eval_every=100, checkpoint_every=1,
                             eval_max_windows=16)
    with pytest.raises(NonFiniteLossError, match=r"diverge: training loss nan.* at step (\d+): "
                                                 r"training stopped"):
        train_model("diverge", "cat-mel_2bar_tiny", "learning_rate=1e38", settings,
                    _tiny_paths(tmp_path, records), RunOptions(tracking_uri=uri))
    client = MlflowClient(uri)
    run, = client.search_runs([client.get_experiment_by_name("cat-mel_2bar_tiny").experiment_id])
    assert run.info.status == "FAILED"
    assert client.search_registered_models() == []
    assert not (tmp_path / "out" / "checkpoint").exists()
    folder, = (tmp_path / "ckpt").iterdir()
    for path in folder.glob("ckpt-*.npz"):  # only steps before the loss went NaN were saved
        with np.load(path) as data:
            assert all(np.isfinite(data[key]).all() for key in data.files)


def test_import_evaluates_magentas_groovae_checkpoint(tmp_path):
    """magenta's tiny GrooVAE (tests/fixtures/magenta/groove_model) imported and evaluated on
    the drum performances it was trained on: its round trip finds the hits, and no MLflow
    pyfunc model is logged for float windows."""
    from pathlib import Path

    from note_seq import midi_io

    fixtures = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "magenta"
    sequences = [midi_io.midi_file_to_note_sequence(str(p))
                 for p in sorted((fixtures / "groove" / "cases").glob("*.mid"))]
    records = write_note_sequence_tfrecord(tmp_path / "eval.tfrecord", sequences)
    checkpoint = fixtures / "groove_model" / "groovae_2bar_humanize" / "checkpoint"
    final = import_model("groove", "groovae_2bar_humanize", "", str(checkpoint), [records],
                         tmp_path / "out", results_dir=tmp_path / "results",
                         options=RunOptions(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}"))
    assert final["windows"] > 3 and final["mu_hit_f1"] > 0.5 and final["accuracy"] > 0.8
    assert final["loss"] >= final["r_loss"] > 0 and final["mu_velocity_error"] < 0.5
    variables, metadata = read_checkpoint(tmp_path / "out" / "checkpoint")
    assert metadata["config"] == "groovae_2bar_humanize"
