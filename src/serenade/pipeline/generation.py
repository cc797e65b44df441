"""Input, target and param functions for the generation rules (workflow/rules/generate.smk):
which models, what each job makes and where."""

from __future__ import annotations

from typing import Any

from serenade.generation.auto_inputs import AUTO, is_auto
from serenade.generation.inputs import parse_spec
from serenade.models.configs import get_config
from serenade.pipeline import layout


def generation_models(workflow_config: dict) -> dict[str, dict]:
    """Models to generate from: `generate.models`, or every model in `models:`."""
    models = {m["name"]: m for m in workflow_config["models"]}
    chosen = workflow_config["generate"]["models"] or list(models)
    return {name: models[name] for name in chosen if name in models}


model_dir = layout.generated_dir
checkpoint = layout.checkpoint


def entry(workflow_config: dict, kind: str, name: str) -> dict[str, Any]:
    """An interpolation or journey entry with its defaults filled in from `generate:`."""
    section = workflow_config["generate"]
    found = next(e for e in section[kind] if e["name"] == name)
    resolved = dict(found)
    resolved.setdefault("window", section["window"])
    if kind == "interpolations":
        resolved["inputs"] = [found["from"], found["to"]]
    return resolved


def input_specs(workflow_config: dict, kind: str, name: str) -> list[str]:
    return entry(workflow_config, kind, name)["inputs"]


def attribute_input_specs(workflow_config: dict) -> list[str]:
    """The inputs of the attribute pieces (`auto`: picked from the manifest)."""
    pieces = workflow_config["generate"]["attributes"]["pieces"]
    return [AUTO] if is_auto(pieces) else [piece["input"] for piece in pieces]


def walk_dirs(workflow_config: dict, model: str) -> list[str]:
    section = workflow_config["generate"]
    return ([f"{model_dir(model)}/interpolations/{e['name']}" for e in section["interpolations"]]
            + [f"{model_dir(model)}/journeys/{e['name']}" for e in section["journeys"]])


def piece_dirs(workflow_config: dict, model: str) -> list[str]:
    """The folders of a model's generated pieces: samples, walks and attribute edits (if any)."""
    result = [f"{model_dir(model)}/samples", *walk_dirs(workflow_config, model)]
    attributes = workflow_config["generate"]["attributes"]
    if attributes["names"] or attributes["pieces"]:  # `auto` is a non-empty string
        result.append(f"{model_dir(model)}/attributes")
    return result


def targets(workflow_config: dict) -> list[str]:
    """What `snakemake generate` builds for every generation model."""
    result = []
    for model in generation_models(workflow_config):
        base = model_dir(model)
        result += [*piece_dirs(workflow_config, model), f"{base}/metrics.csv",
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


def common_params(workflow_config: dict) -> dict[str, Any]:
    """Params every generation rule shares: rendering settings and the seed."""
    return {"render": render_settings(workflow_config), "seed": workflow_config["generate"]["seed"]}


def report_label(kind: str, wildcards) -> dict[str, str]:
    """The row label of a generated file in the Snakemake report (one column, so the report
    never turns a label into a toggle). `wildcards` holds the rule's wildcards and those of
    the report pattern (`file`, `ext`, `temperature`, `piece`)."""
    get = lambda name: str(getattr(wildcards, name, ""))  # noqa: E731
    file, audio, table = get("file"), get("ext") == "wav", get("ext") in ("html", "csv")
    if kind == "samples":
        what = f"audio of {file.replace('-', ' ')}" if audio else "piano rolls of every sample"
        return {"output": f"temperature {get('temperature').removeprefix('t')}: {what}"}
    if kind == "interpolation":
        what = "audio of the whole interpolation" if audio else "piano roll of each step"
        return {"output": f"{get('name')}: {what}"}
    if kind == "journey":
        if audio:
            what = "audio of the whole piece"
        else:
            what = "piano roll of each step" if file == "strip" else "the whole piece as a piano roll"
        return {"output": f"{get('name')}: {what}"}
    if kind == "attributes":
        if table:
            fmt = "table" if get("ext") == "html" else "effects.csv (download)"
            return {"output": f"effect of each attribute vector on held-out windows: {fmt}"}
        what = "audio" if audio else "before and after, piano rolls"
        return {"output": f"{get('piece')}: {what}"}
    raise ValueError(f"unknown report kind {kind!r}")
