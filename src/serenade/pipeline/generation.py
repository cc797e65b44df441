"""Input, target and param functions for the generation rules (workflow/rules/generate.smk):
which models, what each job makes and where."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from serenade.generation.auto_inputs import is_auto
from serenade.generation.inputs import parse_spec
from serenade.generation.jobs.kinds import JobKind, job_kinds
from serenade.models.configs import get_config
from serenade.pipeline import layout
from serenade.pipeline.wildcards import one_of


def generation_models(workflow_config: dict) -> dict[str, dict]:
    """Models to generate from: `generate.models`, or every model in `models:`."""
    models = {m["name"]: m for m in workflow_config["models"]}
    chosen = workflow_config["generate"]["models"] or list(models)
    return {name: models[name] for name in chosen if name in models}


model_dir = layout.generated_dir
checkpoint = layout.checkpoint


def shared_value(workflow_config: dict, model: str, key: str) -> Any:
    """A `generate:` value that job kinds share (`kinds.SHARED`), as `model` sees it."""
    section = workflow_config["generate"]
    if key == "chords":
        return sample_chords(workflow_config, model)
    if key == "sources":
        return workflow_config["sources"]
    if key == "labels":
        return {source["name"]: source["labels"] for source in workflow_config["sources"]}
    if key == "prior":
        return sample_prior(workflow_config, model)
    return section[key]


def job_settings(workflow_config: dict, kind: JobKind, model: str,
                 name: str | None = None) -> dict[str, Any]:
    """What one job of `kind` reads (its params): its entry or section, over the shared values
    it declares (an entry's own `window` wins over `generate.window`)."""
    shared = {key: shared_value(workflow_config, model, key) for key in kind.shared}
    return {**shared, **kind.entry(workflow_config["generate"], name)}


def job_inputs(workflow_config: dict, kind: JobKind, model: str,
               name: str | None = None) -> dict[str, Any]:
    """A job's Snakemake inputs: the model's checkpoint, its input files (and the manifest when
    an input is picked from it or brought in by a source), and the splits if it reads them."""
    settings = job_settings(workflow_config, kind, model, name)
    result = {"checkpoint": checkpoint(model),
              **input_files(workflow_config, kind.inputs(settings), layout.MANIFEST)}
    if kind.splits:
        for split in ("train", "eval"):
            result[split] = layout.shard_paths(split, workflow_config["data"][f"{split}_shards"])
    return result


def output_pattern(workflow_config: dict, kind: JobKind) -> str:
    """A kind's output folder as its rule declares it: {model} and, for a named kind, {name}
    limited to the config's entries."""
    if not kind.named:
        return kind.output_dir(model_dir("{model}"))
    names = [entry["name"] for entry in kind.entries(workflow_config["generate"])]
    return kind.output_dir(model_dir("{model}"), f"{{name,{one_of(names)}}}")


def model_config(workflow_config: dict, model: str):
    """The `ModelConfig` of a generation model (its config and hparams)."""
    entry = generation_models(workflow_config)[model]
    return get_config(entry["config"], entry["hparams"])


def job_dirs(workflow_config: dict, model: str, *, walks_only: bool = False) -> list[str]:
    """The output folders of a model's generation jobs the config asks for, kind by kind (the
    kinds that apply to its model: a GrooVAE model has no attribute edits, the others no
    humanize job)."""
    section = workflow_config["generate"]
    config = model_config(workflow_config, model)
    return [kind.output_dir(model_dir(model), entry.get("name"))
            for kind in job_kinds() if (kind.walk or not walks_only) and kind.applies(config)
            for entry in kind.entries(section)]


def walk_dirs(workflow_config: dict, model: str) -> list[str]:
    """The folders of a model's latent walks (interpolations, journeys): their paths and
    endpoints feed the music metrics and the quality check."""
    return job_dirs(workflow_config, model, walks_only=True)


def targets(workflow_config: dict, skipped: Iterable[str] = ()) -> list[str]:
    """What `snakemake generate` builds for every generation model (but `skipped`)."""
    result = []
    for model in generation_models(workflow_config):
        if model in set(skipped):
            continue
        base = model_dir(model)
        # music metrics measure class windows' features; a GrooVAE model's figures are its
        # quality check's (hit F1, velocity and timing of reconstructions)
        metrics = [] if model_config(workflow_config, model).groove else [f"{base}/metrics.csv"]
        result += [*job_dirs(workflow_config, model), *metrics,
                   f"{base}/quality.json", f"{base}/player.html"]
    return result


def render_settings(workflow_config: dict) -> dict[str, Any]:
    """The rendering part of `generate:` (what RenderSettings.from_config reads)."""
    section = workflow_config["generate"]
    return {"program": section["program"], "velocity": section["velocity"],
            "audio": dict(section["audio"])}


def input_files(workflow_config: dict, specs: list[str], manifest: str) -> dict[str, Any]:
    """Snakemake inputs for generation inputs: the files themselves, and the manifest when a
    `source:` input needs the data workflow to have fetched it."""
    names = [source["name"] for source in workflow_config["sources"]]
    files, needs_manifest = [], False
    for spec in specs:
        source, path = parse_spec(spec, names)
        if is_auto(spec):  # picked from the manifest by the job
            needs_manifest = True
        elif source is None:
            files.append(path)
        else:
            needs_manifest = True
    result: dict[str, Any] = {"files": files}
    if needs_manifest:
        result["manifest"] = manifest
    return result


def sample_chords(workflow_config: dict, model: str) -> str | None:
    """`generate.chords` for a chord-conditioned model, None for the others: a new progression
    reruns only the sample and quality jobs of the models it changes."""
    config_name = generation_models(workflow_config)[model]["config"]
    if get_config(config_name).takes_chords:
        return workflow_config["generate"]["chords"]
    return None


def sample_prior(workflow_config: dict, model: str) -> str:
    """What the model's samples draw z from (its `sample_prior`)."""
    return generation_models(workflow_config)[model]["sample_prior"]


def common_params(workflow_config: dict) -> dict[str, Any]:
    """Params every generation job shares: the rendering settings and the decoding precision."""
    return {"render": render_settings(workflow_config),
            "precision": workflow_config["generate"]["precision"]}


def report_label(kind: JobKind, wildcards) -> dict[str, str]:
    """The row label of a generated file in the Snakemake report (one column, so the report
    never turns a label into a toggle). `wildcards` holds the rule's wildcards and those of
    the report pattern (`file`, `ext`, `temperature`, `piece`)."""
    return {"output": kind.label(lambda name: str(getattr(wildcards, name, "")))}
