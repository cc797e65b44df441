"""Snakemake job: attribute vectors, their measured effect, and edited pieces."""

from serenade.pipeline.jobs import generation_context

ctx = generation_context(snakemake, snakemake.output[0], snakemake.input.checkpoint)

from serenade.generation.jobs import run_attributes  # noqa: E402
from serenade.html_tables import csv_to_html  # noqa: E402

settings = snakemake.params.attributes
run_attributes(ctx, train=list(snakemake.input.train), eval=list(snakemake.input.eval),
               labels_by_source=snakemake.params.labels, names=settings["names"],
               quantiles=settings["quantiles"], max_train_windows=settings["max_train_windows"],
               max_eval_windows=settings["max_eval_windows"], strength=settings["strength"],
               pieces=settings["pieces"], qpm=settings["qpm"],
               temperature=snakemake.params.temperature, seed=snakemake.params.common["seed"],
               window=snakemake.params.window, sources=snakemake.config["sources"],
               manifest=snakemake.input.get("manifest"))
csv_to_html(f"{snakemake.output[0]}/effects.csv", f"{snakemake.output[0]}/effects.html",
            f"Attribute vectors of {snakemake.wildcards.model}: effect on held-out windows",
            "feature_moved / latent_moved: share of eval windows whose attribute moved in the "
            "asked direction when the vector was added; change_*: side effects on every feature.")
