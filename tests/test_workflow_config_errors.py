"""Config problems found while planning: snakemake prints them one line each, as the config
validator words them, with no traceback stanza, and starts no job."""

from __future__ import annotations

import yaml

from serenade.paths import REPO_ROOT

from testing.music_files import simple_tune, write_raw_midi
from testing.workflow import run_snakemake


def test_unknown_generate_model_is_one_line_without_traceback(tmp_path):
    write_raw_midi(tmp_path / "midi" / "a.mid", simple_tune(4))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump({
        "sources": [{"name": "x", "path": str(tmp_path / "midi")}],
        "models": [{"name": "m", "config": "cat-mel_2bar_tiny", "train": {"steps": 2}}],
        "generate": {"models": ["nope"]}}))
    result = run_snakemake("-s", str(REPO_ROOT / "Snakefile"), "--directory", str(tmp_path), "-n",
                           check=False, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "  - generate.models[0]: 'nope' is not in models: (m)" in output.splitlines()
    assert "InputFunctionException" not in output and "Traceback" not in output
    assert not (tmp_path / "results").exists()


def test_a_label_that_would_write_outside_the_run_is_refused_before_planning(tmp_path):
    """With `pieces: auto` a label names output files: `../` in one is a config problem."""
    write_raw_midi(tmp_path / "midi" / "a.mid", simple_tune(4))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump({
        "sources": [{"name": "x", "path": str(tmp_path / "midi"),
                     "labels": ["lively", "../../../../../../../LABEL_ESCAPE"]}],
        "generate": {"attributes": {"pieces": "auto"}}}))
    result = run_snakemake("-s", str(REPO_ROOT / "Snakefile"), "--directory", str(tmp_path), "-n",
                           check=False, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert ("sources[0].labels[1]: '../../../../../../../LABEL_ESCAPE' is not a valid name"
            in output)
    assert "Traceback" not in output and not (tmp_path / "results").exists()
