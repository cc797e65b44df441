"""The CLI's defaults for workflow settings are the config schema's defaults."""

from __future__ import annotations

import argparse

import pytest

from serenade import config_schema
from serenade.cli import build_parser
from serenade.config_schema import defaults_of, schema_default
from serenade.training.settings import TrainSettings

# (command, argparse dest, schema key) for every flag that is also a workflow setting.
SHARED = [
    *[("train", name, f"models.train.{name}") for name in (
        "seed", "eval_every", "checkpoint_every", "keep_checkpoints", "eval_max_windows",
        "init_from", "init_from_part", "bar_teacher", "bar_code_steps", "scale_schedules", "transpose", "precision")],
    ("train", "log_every", "tracking.log_every"),
    ("train", "tracking_uri", "tracking.uri"),
    *[(command, "hparams", "models.hparams")
      for command in ("train", "extract", "encode", "decode", "sample", "interpolate", "quality",
                      "export-js")],
    *[(command, "temperature", "generate.temperature")
      for command in ("decode", "sample", "interpolate")],
    ("interpolate", "method", "generate.interpolations.method"),
    ("quality", "samples", "generate.quality.samples"),
    *[(command, "prior", "models.sample_prior") for command in ("sample", "quality")],
    ("quality", "seed", "generate.seed"),
]


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command, dest, key", SHARED)
def test_cli_default_is_the_schema_default(command, dest, key):
    assert _commands(build_parser())[command].get_default(dest) == schema_default(key)


def test_every_train_setting_with_a_default_has_its_flag():
    """A new `models.train` setting needs a flag (or a reason here not to have one)."""
    not_flags = {"jit_compile"}  # workflow only: XLA on a single device
    covered = {dest for command, dest, key in SHARED if key.startswith("models.train.")}
    assert set(defaults_of("models.train")) - not_flags == covered


def test_minimal_train_args_give_the_default_settings():
    args = build_parser().parse_args(["train", "--config", "cat-mel_2bar_tiny", "--train-data", "t",
                                      "--eval-data", "e", "--output", "o", "--steps", "5"])
    given = {name: getattr(args, name) for name in defaults_of("models.train") if hasattr(args, name)}
    assert TrainSettings.from_mapping({"steps": 5, "batch_size": args.batch_size, **given}) \
        == TrainSettings(steps=5)
    assert build_parser().parse_args(
        ["train", "--config", "cat-mel_2bar_tiny", "--train-data", "t", "--eval-data", "e", "--output", "o",
         "--steps", "5", "--no-transpose", "--scale-schedules"]).transpose is False
    base = ["train", "--config", "hierdec-mel_16bar", "--train-data", "t", "--eval-data", "e",
            "--output", "o", "--steps", "5"]
    assert build_parser().parse_args(base + ["--transpose=-5,5"]).transpose == [-5, 5]
    assert build_parser().parse_args(base + ["--transpose"]).transpose is True


@pytest.mark.parametrize("flag", ["--transpose=5,-5", "--transpose=up", "--transpose=1,2,3"])
def test_a_bad_transpose_range_flag_is_refused(flag, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--config", "hierdec-mel_16bar", "--train-data", "t",
                                   "--eval-data", "e", "--output", "o", "--steps", "5", flag])
    assert "--transpose" in capsys.readouterr().err


def test_quality_temperatures_default_to_the_schema_temperature():
    assert _commands(build_parser())["quality"].get_default("temperatures") == [
        schema_default("generate.temperature")]


def test_changing_the_schema_default_changes_the_cli_default(monkeypatch):
    schema = config_schema.load_schema()
    schema["properties"]["tracking"]["properties"]["log_every"]["default"] = 7
    schema["properties"]["generate"]["properties"]["temperature"]["default"] = 0.8
    monkeypatch.setattr(config_schema, "_schema", lambda: schema)
    commands = _commands(build_parser())
    assert commands["train"].get_default("log_every") == 7
    assert commands["sample"].get_default("temperature") == 0.8
