"""What every workflow/scripts/*.py starts with: the job's log, its thread budget and the
run-only settings.

Run-only settings (the tracking URI, the log cadence) come from the workflow config directly,
not from params: they change how a job reports, never what it writes, so changing them must
not rerun it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from serenade.generation.jobs.context import JobContext
from serenade.generation.writing import RenderSettings
from serenade.pipeline.joblog import log_to


def job_name(snakemake: Any) -> str:
    """The job as the console names it: its rule and wildcard values."""
    return " ".join([snakemake.rule, *(str(value) for value in snakemake.wildcards)])


def start(snakemake: Any, *, tensorflow: bool = False) -> None:
    """Log to the rule's log file (the console shows progress and warnings only); with
    `tensorflow`, limit TensorFlow to the job's threads."""
    log_to(snakemake.log[0], console_prefix=job_name(snakemake))
    if tensorflow:
        import tensorflow as tf  # only the jobs that run a model pay for the import

        tf.config.threading.set_intra_op_parallelism_threads(snakemake.threads)
        tf.config.threading.set_inter_op_parallelism_threads(snakemake.threads)


def tracking_uri(snakemake: Any) -> str | None:
    """The MLflow tracking URI of the config, None for the default store."""
    return snakemake.config["tracking"]["uri"] or None


def log_every(snakemake: Any) -> int:
    return int(snakemake.config["tracking"]["log_every"])


def generation_context(snakemake: Any, out_dir: str | Path, checkpoint: str | Path = ""):
    """Start a generation job and describe it (a `JobContext`): model, output folder,
    rendering, tracking."""
    start(snakemake, tensorflow=True)

    common = getattr(snakemake.params, "common", None) or {}
    return JobContext(model_name=snakemake.wildcards.model, config_name=snakemake.params.config_name,
                      checkpoint=checkpoint, out_dir=out_dir,
                      render=RenderSettings.from_config(common.get("render")),
                      precision=common.get("precision", "float32"),
                      tracking_uri=tracking_uri(snakemake))
