"""Checks of the `models:` config section, through the real schema validation."""

from __future__ import annotations

import copy

import pytest

from serenade.config import ConfigError, model_problems, validate_config
from serenade.training.model_entries import imported, trained

BASE = {"sources": [{"name": "s", "music21": {"include": ["bach/bwv1.6.mxl"]}}]}


def _config(models):
    config = copy.deepcopy(BASE)
    config["models"] = models
    return validate_config(config)


def test_valid_models_get_defaults_and_are_split_by_kind():
    config = _config([
        {"name": "mine", "config": "cat-mel_2bar_small", "train": {"steps": 100}},
        {"name": "theirs", "config": "cat-mel_2bar_big",
         "checkpoint": {"url": "https://example.org/cat-mel_2bar_big.tar"}},
    ])
    assert model_problems(config) == []
    assert list(trained(config)) == ["mine"] and list(imported(config)) == ["theirs"]
    train = config["models"][0]["train"]
    assert train["eval_every"] == 500 and train["seed"] == 0 and train["init_from"] is None
    assert config["models"][0]["resources"] == {"threads": 2, "mem_mb": 8000, "runtime": 240}
    assert config["tracking"] == {"uri": "", "log_every": 50}


def test_problems_name_the_entry_and_reason():
    with pytest.raises(ConfigError) as raised:
        _config([
            {"name": "a", "config": "cat-mel_2bar_small", "train": {"steps": 10}},
            {"name": "a", "config": "cat-mel_2bar_small", "train": {"steps": 10}},
            {"name": "b", "config": "cat-mel_2bar_small"},
            {"name": "c", "config": "no-such-config", "train": {"steps": 10}},
            {"name": "d", "config": "cat-mel_2bar_small", "hparams": "z_sise=3", "train": {"steps": 1}},
            {"name": "e", "config": "cat-mel_2bar_small", "hparams": "beta_rate=0.9",
             "train": {"steps": 10, "scale_schedules": True}},
            {"name": "f", "config": "cat-mel_2bar_small", "checkpoint": {}},
        ])
    problems = str(raised.value)
    assert "models[1].name: 'a' is already used by models[0]" in problems
    assert "models[2]: a model needs exactly one of `train` or `checkpoint`; got neither" in problems
    assert "models[3] (c): unknown config 'no-such-config'" in problems
    assert "models[4] (d): unknown hparams ['z_sise']" in problems
    assert "models[5] (e): train.scale_schedules sets ['beta_rate']" in problems
    assert "models[6].checkpoint: needs exactly one of `path` or `url`" in problems


def test_a_groovae_model_is_a_workflow_model_and_refuses_a_transposition():
    """GrooVAE configs train through the workflow; a transposition range names the model."""
    _config([{"name": "groove", "config": "groovae_2bar_tiny", "train": {"steps": 10}}])
    with pytest.raises(ConfigError) as raised:
        _config([{"name": "groove", "config": "groovae_2bar_tiny",
                  "train": {"steps": 10, "transpose": [-3, 3]}}])
    assert ("models[0] (groove): train.transpose [-3, 3]: GrooVAE configs have no "
            "transposition") in str(raised.value)


def test_schema_rejects_unknown_train_keys_and_bad_values():
    with pytest.raises(ConfigError, match=r"models\[0\].train: unknown key\(s\) 'stepz'"):
        _config([{"name": "a", "config": "cat-mel_2bar_small", "train": {"steps": 1, "stepz": 2}}])
    with pytest.raises(ConfigError, match=r"models\[0\].train.steps"):
        _config([{"name": "a", "config": "cat-mel_2bar_small", "train": {"steps": 0}}])


@pytest.mark.parametrize("kind", [{"train": {"steps": 10}}, {"checkpoint": {"path": "x"}}])
def test_a_groovae_model_conditioned_on_hits_is_refused_with_where_to_go(kind):
    """Its generation jobs would need each output's hits; the message names the model and the
    commands that take it."""
    with pytest.raises(ConfigError) as raised:
        _config([{"name": "tap", "config": "groovae_2bar_hits_control_tiny", **kind}])
    message = str(raised.value)
    assert "models[0] (tap): groovae_2bar_hits_control_tiny is conditioned on the hits" in message
    assert "serenade groove" in message
