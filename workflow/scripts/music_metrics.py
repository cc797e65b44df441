"""Snakemake job: music metrics of a model's generated sets against the eval split."""

from serenade.pipeline.script_setup import generation_context

ctx = generation_context(snakemake, snakemake.output.metrics)

from serenade.generation.jobs.music_metrics import run_metrics  # noqa: E402
from serenade.html_tables import csv_to_html  # noqa: E402

run_metrics(ctx, samples=f"{snakemake.input.samples}/samples.npz", train=list(snakemake.input.train),
            eval=list(snakemake.input.eval), walks=list(snakemake.input.walks),
            max_windows=snakemake.params.metrics["max_windows"],
            max_eval_windows=snakemake.params.metrics["max_eval_windows"],
            seed=snakemake.params.seed)
csv_to_html(snakemake.output.metrics, snakemake.output.table,
            f"Music metrics of {snakemake.wildcards.model}",
            "One row per generated set, each against the eval split; train_vs_eval is the "
            "reference. oa_* are Yang & Lerch overlap areas (1 = spread like the eval data).")
