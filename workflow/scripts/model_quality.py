"""Snakemake job: the quality check of one model (reconstruction, samples, interpolations)."""

from pathlib import Path

from serenade.generation.jobs import context_from_snakemake, run_quality

ctx = context_from_snakemake(snakemake, Path(snakemake.output.figures).parent,
                             snakemake.input.checkpoint)
run_quality(ctx, eval=list(snakemake.input.eval), temperatures=snakemake.params.temperatures,
            num_samples=snakemake.params.quality["samples"], seed=snakemake.params.seed,
            walks=list(snakemake.input.walks))
