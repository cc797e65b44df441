"""Config loading and validation: defaults filled in, every bad key named with its reason."""

from __future__ import annotations

import pytest
import yaml

from serenade.config import (ConfigError, load_config, load_schema, source_chunks,
                             validate_config)
from serenade.paths import REPO_ROOT


def _check(config: dict) -> str:
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    return str(error.value)


def test_default_config_is_valid_and_complete():
    config = load_config(REPO_ROOT / "config" / "config.yaml")
    assert [source["name"] for source in config["sources"]] == ["bach_chorales", "folk_dances"]
    assert config["sources"][0]["music21"]["exclude"] == []  # default filled in
    assert 0 < config["data"]["eval_fraction"] < 1


def test_defaults_fill_a_minimal_config():
    config = validate_config({"sources": [{"name": "mine", "path": "midi"}]})
    assert config["data"]["eval_fraction"] == 0.1
    assert config["data"]["download"]["retries"] == 4
    assert config["data"]["archives"]["max_members"] == 100000
    assert config["sources"][0]["labels"] == [] and config["sources"][0]["license"] == ""


def test_every_schema_key_has_type_description_and_default():
    """Every top-level section has a type and a description; in `sources` and `data` every key
    has both, and every optional key a default (a source's url/path/music21 alternatives,
    sha256, and parse_chunks, whose default is data.parse_chunks, excepted)."""
    alternatives = {"url", "path", "music21", "sha256", "parse_chunks"}

    def walk(schema, path, need_defaults):
        for name, sub in schema.get("properties", {}).items():
            key = f"{path}.{name}" if path else name
            assert "description" in sub, key
            assert "type" in sub, key
            optional = name not in schema.get("required", []) and name not in alternatives
            if need_defaults and optional:
                assert "default" in sub, key
            walk(sub, key, need_defaults)
            if "items" in sub:
                walk(sub["items"], key + "[]", need_defaults)

    schema = load_schema()
    for name, sub in schema["properties"].items():
        assert "description" in sub and "type" in sub, name
    for name in ("sources", "data"):  # the data sections; the others are checked by their owners
        walk(schema["properties"][name], name, need_defaults=True)
        if "items" in schema["properties"][name]:
            walk(schema["properties"][name]["items"], name + "[]", need_defaults=True)


@pytest.mark.parametrize("config, expected", [
    ({"sources": [{"name": "a", "url": "ftp://example.org/x.mid"}]}, "sources[0].url"),
    ({"sources": [{"name": "a", "url": "https://example.org/x.rar"}]}, "sources[0].url"),
    ({"sources": [{"name": "a", "path": "x"}], "data": {"eval_fraction": 2}}, "data.eval_fraction: 2 is greater"),
    ({"sources": [{"name": "a", "path": "x"}], "data": {"train_shards": "two"}}, "data.train_shards: 'two' is not of type 'integer'"),
    ({"sources": [{"name": "a", "path": "x"}], "data": {"parser": "magic"}}, "data.parser"),
    ({"sources": [{"name": "a", "path": "x"}], "data": {"download": {"timeout_s": 0}}}, "data.download.timeout_s"),
    ({"sources": [{"name": "a", "path": "x"}], "data": {"evalfraction": 0.2}}, "data: unknown key(s) 'evalfraction'"),
    ({"sources": [{"name": "a", "path": "x", "music21": {"include": ["x"]}}]}, "exactly one of url, path, music21; got path, music21"),
    ({"sources": [{"name": "a"}]}, "got none"),
    ({"sources": [{"name": "a b", "path": "x"}]}, "sources[0].name"),
    ({"sources": [{"name": "a", "path": "x"}, {"name": "a", "path": "y"}]}, "sources[1].name: 'a' is already used"),
    ({"sources": [{"name": "a", "path": "x", "sha256": "0" * 64}]}, "sources[0].sha256: only applies"),
    ({"sources": [{"name": "a", "url": "https://e.org/a.mid", "sha256": "xyz"}]}, "sources[0].sha256"),
    ({"sources": []}, "sources"),
    ({"sources": [{"name": "a", "path": "x"}], "modelz": {}}, "unknown key(s) 'modelz'"),
])
def test_bad_values_name_the_key(config, expected):
    assert expected in _check(config)


def test_all_problems_reported_at_once():
    message = _check({"sources": [{"name": "a", "path": "x"}],
                      "data": {"eval_fraction": -1, "workers": 0}})
    assert "data.eval_fraction" in message and "data.workers" in message


def test_load_config_errors_name_the_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("sources: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    path.write_text(yaml.safe_dump({"sources": [{"name": "a", "path": "x"}], "data": {"workers": -3}}))
    with pytest.raises(ConfigError, match=r"(?s)config\.yaml.*data\.workers"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")


def test_nan_and_inf_are_refused_wherever_a_number_is_taken(tmp_path):
    """YAML's .nan and .inf pass a JSON schema's bounds (nan < 0 is false); they must not."""
    text = """
sources: [{name: mine, path: midi}]
data: {eval_fraction: .nan, download: {timeout_s: .inf}}
generate: {temperature: .nan, sample: {temperatures: [0.5, -.inf]}}
"""
    (tmp_path / "config.yaml").write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "config.yaml")
    message = str(error.value)
    for key in ("data.eval_fraction: nan", "data.download.timeout_s: inf", "generate.temperature: nan",
                "generate.sample.temperatures[1]: -inf"):
        assert f"{key} is not a finite number" in message, key


def test_path_sources_are_checked_with_check_files(tmp_path):
    (tmp_path / "midi").mkdir()
    config = {"sources": [{"name": "empty", "path": str(tmp_path / "midi")},
                          {"name": "gone", "path": str(tmp_path / "missing")}]}
    validate_config(dict(config))  # the schema alone: no file system check
    with pytest.raises(ConfigError) as error:
        validate_config(dict(config), check_files=True)
    message = str(error.value)
    assert "sources[0].path:" in message and "sources[1].path:" in message
    assert message.count("matches no .mid/.midi file") == 2


def test_an_unknown_attribute_is_reported_once_naming_every_key():
    message = _check({"sources": [{"name": "a", "path": "x", "labels": ["calm"]}],
                      "generate": {"attributes": {
                          "names": ["note_density", "sad"],
                          "pieces": [{"name": "p", "input": "x.mid", "attribute": "sad"}]}}})
    assert message.count("unknown attribute 'sad'") == 1
    assert ("generate.attributes.names[1]: unknown attribute 'sad' (also at "
            "generate.attributes.pieces[0].attribute)") in message
    assert "source labels are calm" in message


def test_every_problem_is_one_line_naming_its_key():
    message = _check({"sources": [{"name": "a", "path": "x"}, {"name": "a", "path": "y"}],
                      "models": [{"name": "m", "config": "nope", "train": {"steps": 1}}],
                      "generate": {"models": ["other"]}})
    heading, *problems = message.splitlines()
    assert heading == "invalid configuration:"
    assert [line.split(":")[0] for line in problems] == [
        "  - sources[1].name", "  - models[0] (m)", "  - generate.models[0]"]


def test_melody_attributes_are_refused_for_a_drum_model_naming_the_key():
    from serenade.config import ConfigError, validate_config

    config = {"sources": [{"name": "kits", "path": "/nowhere"}],
              "models": [{"name": "beats", "config": "cat-drums_2bar_tiny", "train": {"steps": 5}},
                         {"name": "tunes", "config": "cat-mel_2bar_tiny", "train": {"steps": 5}}],
              "generate": {"attributes": {"names": ["note_density", "kick_per_bar"]}}}
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    message = str(error.value)
    assert "generate.attributes.names[0]: 'note_density' cannot be computed for model 'beats'" in message
    assert "hits_per_bar" in message
    assert "generate.attributes.names[1]: 'kick_per_bar' cannot be computed for model 'tunes'" in message
    config["generate"] = {"models": ["beats"], "attributes": {"names": ["hits_per_bar"]}}
    validate_config(config)  # drum attributes for the drum model alone


def test_trio_attributes_are_per_part_and_melody_names_point_to_them():
    from serenade.config import ConfigError, validate_config

    config = {"sources": [{"name": "band", "path": "/nowhere"}],
              "models": [{"name": "trio", "config": "hierdec-trio_16bar_tiny",
                          "train": {"steps": 5}}],
              "generate": {"attributes": {"names": ["note_density"]}}}
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    message = str(error.value)
    assert "generate.attributes.names[0]: unknown attribute 'note_density'" in message
    assert "as melody_note_density or bass_note_density" in message
    config["generate"] = {"attributes": {"names": ["melody_note_density", "bass_in_scale",
                                                   "hits_per_bar"]}}
    validate_config(config)


def test_a_chord_model_is_generated_from_over_a_progression_it_can_encode():
    config = {"sources": [{"name": "songs", "path": "/nowhere"}],
              "models": [{"name": "chords", "config": "cat-mel_2bar_med_chords_tiny",
                          "train": {"steps": 5}},
                         {"name": "tunes", "config": "cat-mel_2bar_tiny", "train": {"steps": 5}}]}
    assert validate_config(config)["generate"]["chords"] == "C Am F G"
    config["generate"] = {"chords": "C Fsus4 G"}
    message = _check(config)
    assert "generate.chords 'C Fsus4 G'" in message and "Fsus4" in message
    assert "model 'chords'" in message
    config["generate"] = {"chords": "C Fsus4 G", "models": ["tunes"]}
    validate_config(config)  # the melody model ignores it


def test_a_source_splits_into_its_own_parse_chunks_or_the_data_default():
    config = validate_config({"sources": [{"name": "big", "path": ".", "parse_chunks": 5},
                                          {"name": "small", "path": "."}],
                              "data": {"parse_chunks": 2}})
    big, small = config["sources"]
    assert [c.name for c in source_chunks(big, config["data"])][-1] == "part-005-of-005"
    assert len(source_chunks(small, config["data"])) == 2
    assert len(source_chunks(small, validate_config({"sources": [small]})["data"])) == 1


def test_labels_attribute_and_piece_names_follow_the_rule_of_names():
    """They become file names (`pieces: auto` names a file after a label): `..` and separators
    are refused as in source and model names, one line each naming the key."""
    message = _check({"sources": [{"name": "a", "path": "x",
                                   "labels": ["lively", "../../../../../../../LABEL_ESCAPE"]}],
                      "generate": {"attributes": {
                          "names": ["note_density", "x/y"],
                          "pieces": [{"name": "p", "input": "x.mid", "attribute": "../up"}]}}})
    rule = "is not a valid name (it names files: letters, digits and _ . -"
    assert f"sources[0].labels[1]: '../../../../../../../LABEL_ESCAPE' {rule}" in message
    assert f"generate.attributes.names[1]: 'x/y' {rule}" in message
    assert f"generate.attributes.pieces[0].attribute: '../up' {rule}" in message
    message = _check({"sources": [{"name": "a", "path": "x"}], "generate": {
        "interpolations": [{"name": "../walk", "from": "a.mid", "to": "b.mid"}],
        "journeys": [{"name": "/abs", "inputs": ["a.mid", "b.mid"]}]}})
    assert f"generate.interpolations[0].name: '../walk' {rule}" in message
    assert f"generate.journeys[0].name: '/abs' {rule}" in message
