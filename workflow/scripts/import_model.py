"""Snakemake job: import a magenta or Serenade checkpoint, evaluate it, log it to MLflow."""

from pathlib import Path

from serenade.pipeline import script_setup
from serenade.pipeline.joblog import clean_failure

script_setup.start(snakemake)

from serenade.training.job import RunOptions, import_model  # noqa: E402

source = snakemake.params.checkpoint
with clean_failure("import_model"):
    import_model(
        snakemake.wildcards.name, snakemake.params.config_name, snakemake.params.hparams,
        source.get("path") or source["url"], list(snakemake.input.eval),
        Path(snakemake.output.resolved_config).parent, sha256=source.get("sha256", ""),
        options=RunOptions(tracking_uri=script_setup.tracking_uri(snakemake)),
    )
