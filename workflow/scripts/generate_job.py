"""Snakemake job: one generation job of the kind `params.kind` (`serenade.generation.jobs.kinds`)."""

from serenade.pipeline.script_setup import generation_context

ctx = generation_context(snakemake, snakemake.output[0], snakemake.input.checkpoint)

from serenade.generation.jobs.kinds import JobRequest, job_kind  # noqa: E402

job_kind(snakemake.params.kind).run(ctx, JobRequest(
    settings=snakemake.params.settings, name=snakemake.wildcards.get("name"),
    train=list(snakemake.input.get("train", [])), eval=list(snakemake.input.get("eval", [])),
    manifest=snakemake.input.get("manifest")))
