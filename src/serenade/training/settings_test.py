"""Train settings and the resolved config (batch size, scaled schedules)."""

from __future__ import annotations

import math
from dataclasses import fields

import pytest

from serenade.config_schema import ConfigError, defaults_of
from serenade.training.settings import TrainSettings, resolve_config


def test_from_mapping_validates():
    settings = TrainSettings.from_mapping({"steps": 100, "batch_size": 32})
    assert settings.eval_every == 500 and settings.key_values()["batch_size"] == 32
    with pytest.raises(ConfigError, match=r"train: unknown key\(s\) 'stepz'"):
        TrainSettings.from_mapping({"steps": 1, "stepz": 3})
    with pytest.raises(ConfigError, match="train.steps: 0 is less than the minimum of 1"):
        TrainSettings.from_mapping({"steps": 0})
    with pytest.raises(ConfigError, match=r"(?s)train.eval_every.*train.seed"):  # every problem
        TrainSettings(steps=1, seed=-1, eval_every=0).validate()
    # None means "not given" where the schema takes no null (the CLI's --batch-size)
    assert TrainSettings.from_mapping({"steps": 1, "batch_size": None}).batch_size is None
    assert TrainSettings.from_mapping({"steps": 1, "eval_max_windows": None}).eval_max_windows is None


def test_field_defaults_are_the_schema_defaults():
    defaults = defaults_of("models.train")
    for field in fields(TrainSettings):
        if field.name in defaults:
            assert field.default == defaults[field.name], field.name
    assert set(defaults) <= {field.name for field in fields(TrainSettings)}


def test_resolve_sets_batch_size_and_scales_only_existing_schedules():
    two_bar = resolve_config("cat-mel_2bar_small", "",
                             TrainSettings(steps=2000, batch_size=64, scale_schedules=True))
    hp = two_bar.hparams
    assert hp.batch_size == 64
    assert hp.beta_rate ** 1000 == pytest.approx(0.01, rel=1e-6)
    assert hp.sampling_rate * math.log(hp.sampling_rate) == pytest.approx(1000, rel=1e-6)
    # 16-bar configs: beta_rate 0 (full KL weight) and no sampling schedule stay as they are
    sixteen = resolve_config("flat-mel_16bar_tiny", "", TrainSettings(steps=2000,
                                                                    scale_schedules=True))
    assert sixteen.hparams.beta_rate == 0.0 and sixteen.hparams.sampling_rate == 0.0
    unscaled = resolve_config("cat-mel_2bar_small", "", TrainSettings(steps=2000))
    assert unscaled.hparams.beta_rate == 0.99999 and unscaled.hparams.batch_size == 512
    with pytest.raises(ValueError, match="sampling_rate"):
        resolve_config("cat-mel_2bar_small", "sampling_rate=50",
                       TrainSettings(steps=10, scale_schedules=True))


def test_groovae_configs_train_without_transposition():
    assert resolve_config("groovae_2bar_tiny", "", TrainSettings(steps=10, transpose=False)).groove
    assert resolve_config("groovae_2bar_tiny", "", TrainSettings(steps=10)).groove
    with pytest.raises(ValueError, match="GrooVAE configs have no transposition"):
        resolve_config("groovae_2bar_tiny", "", TrainSettings(steps=10, transpose=[-2, 2]))
