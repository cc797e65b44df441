"""The results folder's layout: the one place its folder and file names are written.

Library defaults (a command's `--results-dir`, the MLflow store, resume checkpoints, a job's log
or metrics CSV) and the workflow's rules (`serenade.pipeline.layout` adds the rules' own
outputs) both read it, so it sits with the modules every layer may import. Functions take the
results folder because commands let the user move it; the constants are the default layout.
"""

from __future__ import annotations

from pathlib import Path

RESULTS = "results"
LOGS = f"{RESULTS}/logs"
DATA = f"{RESULTS}/data"  # the dataset: manifest, summary, quarantine, NoteSequence shards
CHECKPOINTS = f"{RESULTS}/checkpoints"  # resume checkpoints, one {model}-{training key}/ each


def log(*parts: str, results: str | Path = RESULTS, suffix: str = ".log") -> str:
    """A job's log file: results/logs/<parts joined by '/'><suffix>."""
    return f"{results}/logs/{'/'.join(parts)}{suffix}"


def mlflow_store(results: str | Path = RESULTS) -> str:
    """The default MLflow store's folder (mlflow.db and artifacts/, `serenade.tracking`)."""
    return f"{results}/mlflow"


def downloaded_checkpoints(results: str | Path = RESULTS) -> str:
    """Where imported models' checkpoints given by URL are downloaded."""
    return f"{results}/downloads/checkpoints"
