"""Snakemake job: import a magenta or Serenade checkpoint, evaluate it, log it to MLflow."""

from serenade.data.joblog import clean_failure, log_to

log_to(snakemake.log[0])

from serenade.training.job import RunOptions, import_model  # noqa: E402

source = snakemake.params.checkpoint
tracking = snakemake.config.get("tracking", {})
with clean_failure("import_model"):
    import_model(
        snakemake.wildcards.name, snakemake.params.config, snakemake.params.hparams,
        source.get("path") or source["url"], list(snakemake.input.eval),
        f"results/models/{snakemake.wildcards.name}", sha256=source.get("sha256", ""),
        options=RunOptions(tracking_uri=tracking.get("uri") or None),
    )
