"""Snakemake job: the quality check of one model (reconstruction, samples, interpolations)."""

from pathlib import Path

from serenade.pipeline.script_setup import generation_context

ctx = generation_context(snakemake, Path(snakemake.output.figures).parent,
                         snakemake.input.checkpoint)

from serenade.generation.jobs.quality_check import run_quality  # noqa: E402

run_quality(ctx, eval=list(snakemake.input.eval), temperatures=snakemake.params.temperatures,
            num_samples=snakemake.params.quality["samples"], seed=snakemake.params.seed,
            walks=list(snakemake.input.walks), chords=snakemake.params.chords,
            max_eval_windows=snakemake.params.quality["max_eval_windows"],
            prior=snakemake.params.prior,
            train=list(snakemake.input.train))
