"""The table of generation job kinds, and what the workflow derives from it."""

import os
import subprocess
import sys

import pytest

from serenade.config import load_config
from serenade.config_schema import schema_at
from serenade.generation.jobs import kinds
from serenade.paths import REPO_ROOT
from serenade.pipeline import generation


def test_every_kind_has_its_schema_section_and_a_folder_of_its_own():
    table = kinds.job_kinds()
    assert [k.rule for k in table] == ["sample", "interpolate", "journey", "attributes", "humanize",
                                       "variations"]
    assert len({k.folder for k in table}) == len(table)
    for kind in table:
        section = schema_at(f"generate.{kind.section}")
        assert section["type"] == ("array" if kind.named else "object"), kind.rule


def test_the_table_is_whole_when_one_kind_was_imported_first():
    """A module that imports one job module (registering its kind) before anything reads the
    table must not shrink the table to that kind."""
    code = ("from serenade.generation.jobs import variations\n"
            "from serenade.generation.jobs.kinds import job_kinds\n"
            "print(' '.join(k.rule for k in job_kinds()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")})
    assert out.stdout.split() == ["sample", "interpolate", "journey", "attributes", "humanize",
                                 "variations"]


def test_a_kind_with_unknown_shared_values_is_refused():
    with pytest.raises(ValueError, match="unknown shared values"):
        kinds.JobKind(rule="x", section="x", folder="x", order=99, run=print,
                      caption=kinds.Caption("x"), category="X", patterns=(), label=str,
                      shared=("seed", "mood"))


def test_the_default_run_derives_its_jobs_settings_and_inputs_from_the_table():
    config = load_config(REPO_ROOT / "config" / "config.yaml")
    assert generation.job_dirs(config, "mel_2bar") == [
        "results/generated/mel_2bar/samples", "results/generated/mel_2bar/interpolations/two_pieces",
        "results/generated/mel_2bar/journeys/four_pieces", "results/generated/mel_2bar/attributes",
        "results/generated/mel_2bar/variations"]
    assert generation.walk_dirs(config, "mel_2bar") == [
        "results/generated/mel_2bar/interpolations/two_pieces",
        "results/generated/mel_2bar/journeys/four_pieces"]
    interpolate = kinds.job_kind("interpolate")
    settings = generation.job_settings(config, interpolate, "mel_2bar", "two_pieces")
    # the entry's own window wins over generate.window; the shared values it reads are there
    assert settings["window"] == "most_notes" and config["generate"]["window"] == "first"
    assert settings["temperature"] == config["generate"]["temperature"]
    assert "labels" not in settings and settings["sources"] == config["sources"]
    # each model's samples draw from its own `sample_prior`
    sample = kinds.job_kind("sample")
    assert generation.job_settings(config, sample, "mel_2bar")["prior"] == "standard"
    assert generation.job_settings(config, sample, "mel_16bar")["prior"] == "fitted"
    inputs = generation.job_inputs(config, interpolate, "mel_2bar", "two_pieces")
    assert inputs["files"] == [] and inputs["manifest"].endswith("manifest.csv")  # auto inputs
    assert "train" not in inputs
    assert set(generation.job_inputs(config, kinds.job_kind("attributes"), "mel_2bar")) >= {
        "train", "eval", "checkpoint"}
    assert generation.output_pattern(config, interpolate).endswith("interpolations/{name,two_pieces}")


def test_a_kind_the_config_does_not_ask_for_has_no_job():
    config = load_config(REPO_ROOT / "config" / "config.yaml")
    config["generate"]["variations"]["pieces"] = []
    config["generate"]["journeys"] = []
    dirs = generation.job_dirs(config, "mel_2bar")
    assert not any("variations" in d or "journeys" in d for d in dirs)


def test_a_caption_renders_the_report_wildcards():
    caption = kinds.job_kind("sample").caption
    text = caption.render(type("W", (), {"model": "m", "temperature": "t0.5"})())
    assert "model **m** at temperature 0.5" in text


def test_a_groovae_model_gets_the_jobs_that_apply_to_it(tmp_path):
    """Samples, walks, humanize and the quality check for a GrooVAE model; no attribute edits,
    variations or music metrics (class windows' features); a melody model no humanize job."""
    from serenade.config import validate_config

    config = validate_config({
        "sources": [{"name": "g", "path": str(REPO_ROOT / "tests/fixtures/magenta/groove/cases")}],
        "models": [{"name": "groove", "config": "groovae_2bar_tiny", "train": {"steps": 1}},
                   {"name": "mel", "config": "cat-mel_2bar_tiny", "train": {"steps": 1}}],
        "generate": {"interpolations": [{"name": "i", "from": "g:0_funk_97.mid",
                                         "to": "g:1_rock_fill_120.mid"}],
                     "attributes": {"names": [], "pieces": []}}})
    groove = [d.split("/generated/groove/")[1] for d in generation.job_dirs(config, "groove")]
    assert groove == ["samples", "interpolations/i", "humanized"]
    melody = [d.split("/generated/mel/")[1] for d in generation.job_dirs(config, "mel")]
    assert "humanized" not in melody and "variations" in melody
    targets = generation.targets(config)
    assert not any("/groove/metrics.csv" in t for t in targets)
    assert any("/mel/metrics.csv" in t for t in targets)
    assert any(t.endswith("/groove/quality.json") for t in targets)
