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


def run_workflow_in(root: Path, config: dict, *args: str, timeout: float = 1500):
    """Write `config` as `root`/config/config.yaml and run the project's Snakefile on `root`
    (2 cores): what a test of an example config does with its tiny version of the example."""
    import yaml

    (root / "config").mkdir(exist_ok=True)
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return run_snakemake("-s", str(REPO_ROOT / "Snakefile"), "--directory", str(root),
                         "--cores", "2", *args, timeout=timeout)
