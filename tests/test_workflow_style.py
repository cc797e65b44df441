"""The workflow's Snakefiles are formatted as the Snakemake workflow catalog expects
(`snakefmt --check`, settings in pyproject.toml's [tool.snakefmt]) and pass Snakemake's own
linter (`snakemake --lint`: no absolute paths, no functions among the rules, ...)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from serenade.paths import REPO_ROOT

from testing.workflow import run_snakemake


def test_snakefiles_are_snakefmt_clean():
    snakefmt = str(Path(sys.executable).with_name("snakefmt"))
    result = subprocess.run([snakefmt, "--check", "--diff", "Snakefile", "workflow"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"run `.venv/bin/snakefmt Snakefile workflow`:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"


def test_the_workflow_passes_snakemakes_linter():
    result = run_snakemake("--lint", check=False, timeout=300)
    assert result.returncode == 0, f"`snakemake --lint` reports:\n{result.stdout[-4000:]}{result.stderr[-4000:]}"
