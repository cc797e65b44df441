"""Snakemake job: N seeded samples per temperature from one model."""

from serenade.generation.jobs import context_from_snakemake, run_samples

ctx = context_from_snakemake(snakemake, snakemake.output[0], snakemake.input.checkpoint)
sample = snakemake.params.sample
run_samples(ctx, n=sample["n"], temperatures=sample["temperatures"],
            seed=snakemake.params.common["seed"], qpm=sample["qpm"])
