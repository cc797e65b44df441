"""The schema as the one source of defaults, and the one validator."""

from __future__ import annotations

from dataclasses import fields

import pytest

from serenade import config_schema
from serenade.config_schema import (ConfigError, defaults_of, raise_problems, schema_at,
                                    schema_default, validated)
from serenade.generation.pieces import AttributePiece
from serenade.generation.selection import WindowChoice
from serenade.generation.writing import RenderSettings
from serenade.sources.archives import ArchiveLimits
from serenade.sources.download import DownloadSettings


def test_defaults_are_read_from_the_schema():
    assert schema_default("generate.velocity") == 80
    assert schema_default("models.train.eval_every") == 500  # list items entered implicitly
    assert schema_default("generate.attributes.pieces.max_windows") == 8
    assert defaults_of("tracking") == {"uri": "", "log_every": 50}
    assert "steps" not in defaults_of("models.train")  # required: no default
    quantiles = schema_default("generate.attributes.quantiles")
    quantiles.append(1.0)  # a copy: the schema is unchanged
    assert schema_default("generate.attributes.quantiles") == [0.25, 0.75]
    assert schema_at("data.parser")["enum"] == ["fast", "note_seq"]


def test_unknown_keys_and_missing_defaults_are_key_errors():
    with pytest.raises(KeyError, match="no such key"):
        schema_default("generate.velocityy")
    with pytest.raises(KeyError, match="has no default"):
        schema_default("models.train.steps")


def test_typed_settings_take_their_defaults_from_the_schema():
    render = RenderSettings()
    audio = defaults_of("generate.audio")
    assert (render.program, render.velocity) == (schema_default("generate.program"),
                                                 schema_default("generate.velocity"))
    assert (render.audio, render.audio_backend, render.sample_rate) == (
        audio["enabled"], audio["backend"], audio["sample_rate"])
    assert render.soundfont == (audio["soundfont"] or None)
    for settings, key in ((DownloadSettings(), "data.download"), (ArchiveLimits(), "data.archives")):
        for name, value in defaults_of(key).items():
            assert getattr(settings, name) == value, f"{key}.{name}"
    assert WindowChoice().strategy == schema_default("generate.window")
    piece = AttributePiece.from_config({"name": "n", "input": "x.mid", "attribute": "calm"})
    assert piece.max_windows == schema_default("generate.attributes.pieces.max_windows")
    assert {f.name for f in fields(AttributePiece)} == set(
        schema_at("generate.attributes.pieces")["items"]["properties"])


def test_validated_fills_defaults_and_lists_every_problem():
    filled = validated("models.train", {"steps": 3}, prefix="train")
    assert filled == {"steps": 3, **defaults_of("models.train")}
    with pytest.raises(ConfigError) as error:
        validated("models.train", {"steps": 0, "seed": -1, "eval_every": float("nan")},
                  prefix="train")
    lines = str(error.value).splitlines()
    assert lines[0] == "invalid train settings:"
    assert "  - train.steps: 0 is less than the minimum of 1" in lines
    assert "  - train.seed: -1 is less than the minimum of 0" in lines
    assert "  - train.eval_every: nan is not a finite number" in lines


def test_each_problem_is_reported_once():
    with pytest.raises(ConfigError) as error:
        raise_problems(["a: bad", "b: bad", "a: bad"])
    assert str(error.value) == "invalid configuration:\n  - a: bad\n  - b: bad"
    raise_problems([])  # nothing to report


def test_a_changed_schema_default_reaches_the_settings(monkeypatch):
    schema = config_schema.load_schema()
    schema["properties"]["tracking"]["properties"]["log_every"]["default"] = 7
    monkeypatch.setattr(config_schema, "_schema", lambda: schema)
    assert schema_default("tracking.log_every") == 7
    assert validated("tracking", {})["log_every"] == 7


def test_schema_uses_only_known_keywords():
    """A comma in an unquoted YAML flow description (`{description: a, b, type: ...}`) makes a
    stray key that the validator ignores; only JSON-schema keywords may appear."""
    keywords = {"$schema", "description", "type", "default", "properties", "items", "required",
                "additionalProperties", "oneOf", "enum", "pattern", "minimum", "maximum",
                "exclusiveMinimum", "minItems", "maxItems", "minLength", "maxLength", "const"}

    def walk(node, key):
        assert set(node) <= keywords, f"{key}: {sorted(set(node) - keywords)}"
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{key}.{name}" if key else name)
        if isinstance(node.get("items"), dict):
            walk(node["items"], key + "[]")
        for index, sub in enumerate(node.get("oneOf", [])):
            walk(sub, f"{key}.oneOf[{index}]")

    walk(config_schema.load_schema(), "")
