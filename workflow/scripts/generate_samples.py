"""Snakemake job: N seeded samples per temperature from one model."""

from serenade.pipeline.jobs import generation_context

ctx = generation_context(snakemake, snakemake.output[0], snakemake.input.checkpoint)

from serenade.generation.jobs import run_samples  # noqa: E402

sample = snakemake.params.sample
run_samples(ctx, n=sample["n"], temperatures=sample["temperatures"],
            seed=snakemake.params.common["seed"], qpm=sample["qpm"], chords=snakemake.params.chords)
