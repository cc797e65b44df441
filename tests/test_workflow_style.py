"""The workflow's Snakefiles are formatted as the Snakemake workflow catalog expects
(`snakefmt --check`, settings in pyproject.toml's [tool.snakefmt])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from serenade.paths import REPO_ROOT


def test_snakefiles_are_snakefmt_clean():
    snakefmt = str(Path(sys.executable).with_name("snakefmt"))
    result = subprocess.run([snakefmt, "--check", "--diff", "Snakefile", "workflow"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"run `.venv/bin/snakefmt Snakefile workflow`:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"
