"""The results folder's layout: the one place its folder and file names are written.

Library defaults (a command's `--results-dir`, the MLflow store, a job's metrics CSV) and the
workflow's rules (`serenade.pipeline.layout` adds the data-side paths) both read it, so it sits
with the modules every layer may import.
"""

from __future__ import annotations

RESULTS = "results"
LOGS = f"{RESULTS}/logs"


def log(*parts: str, results: str = RESULTS, suffix: str = ".log") -> str:
    """A job's log file: results/logs/<parts joined by '/'><suffix>."""
    return f"{results}/logs/{'/'.join(parts)}{suffix}"
