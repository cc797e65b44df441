"""Snakemake job: train (or resume training) one model of the `models:` config section."""

from serenade.data.joblog import log_to

log_to(snakemake.log[0])

import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(snakemake.threads)
tf.config.threading.set_inter_op_parallelism_threads(snakemake.threads)

from serenade.training.job import JobPaths, RunOptions, train_model  # noqa: E402
from serenade.training.settings import TrainSettings  # noqa: E402

# Run-only settings come from the config directly (not params): changing them reruns nothing.
tracking = snakemake.config.get("tracking", {})
train_model(
    snakemake.wildcards.name, snakemake.params.config, snakemake.params.hparams,
    TrainSettings.from_mapping(snakemake.params.train),
    JobPaths(train=list(snakemake.input.train), eval=list(snakemake.input.eval),
             out_dir=f"results/models/{snakemake.wildcards.name}",
             manifest=snakemake.input.manifest),
    RunOptions(tracking_uri=tracking.get("uri") or None, log_every=tracking.get("log_every", 50)),
)
