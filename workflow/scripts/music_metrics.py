"""Snakemake job: music metrics of a model's generated sets against the eval split."""

from serenade.generation.jobs import context_from_snakemake, run_metrics

ctx = context_from_snakemake(snakemake, snakemake.output[0])
run_metrics(ctx, samples=f"{snakemake.input.samples}/samples.npz", train=list(snakemake.input.train),
            eval=list(snakemake.input.eval), walks=list(snakemake.input.walks),
            max_windows=snakemake.params.metrics["max_windows"], seed=snakemake.params.seed)
