"""Snakemake job: train (or resume training) one model of the `models:` config section."""

from pathlib import Path

from serenade.pipeline import script_setup

script_setup.start(snakemake, tensorflow=True)

from serenade.training.job import JobPaths, RunOptions, train_model  # noqa: E402
from serenade.training.settings import TrainSettings  # noqa: E402

train_model(
    snakemake.wildcards.name, snakemake.params.config_name, snakemake.params.hparams,
    TrainSettings.from_mapping(snakemake.params.train),
    JobPaths(train=list(snakemake.input.train), eval=list(snakemake.input.eval),
             out_dir=Path(snakemake.output.resolved_config).parent, manifest=snakemake.input.manifest),
    RunOptions(tracking_uri=script_setup.tracking_uri(snakemake),
               log_every=script_setup.log_every(snakemake)),
)
