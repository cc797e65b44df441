"""Running the project's Snakemake workflow from a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from serenade.paths import REPO_ROOT


def run_snakemake(*args: str, cwd=REPO_ROOT, check: bool = True, timeout: float = 900):
    """Run the project's snakemake (the venv's, beside this Python); with `check`, a failure
    is an AssertionError carrying the ends of its stdout and stderr."""
    command = [str(Path(sys.executable).with_name("snakemake")), *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n"
                             f"{result.stderr[-6000:]}")
    return result
