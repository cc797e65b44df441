"""Snakemake job: an interpolation (rule interpolate) or a journey (rule journey)."""

from serenade.pipeline.jobs import generation_context

ctx = generation_context(snakemake, snakemake.output[0], snakemake.input.checkpoint)

from serenade.generation.jobs import run_walk  # noqa: E402

entry = snakemake.params.entry
kind = "interpolation" if snakemake.rule == "interpolate" else "journey"
run_walk(ctx, kind=kind, name=entry["name"], inputs=entry["inputs"], window=entry["window"],
         num_steps=entry["num_steps"], method=entry["method"],
         temperature=snakemake.params.temperature, seed=snakemake.params.common["seed"],
         qpm=entry["qpm"], sources=snakemake.config["sources"],
         manifest=snakemake.input.get("manifest"))
