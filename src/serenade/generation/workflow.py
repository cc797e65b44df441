"""The `generate:` config section for the workflow (workflow/rules/generate.smk): which models,
what each job makes, output paths, and checks the schema cannot express."""

from __future__ import annotations

from typing import Any

MODELS_DIR = "results/models"
GENERATED_DIR = "results/generated"


def generation_models(config: dict) -> dict[str, dict]:
    """Models to generate from: `generate.models`, or every model in `models:`."""
    models = {m["name"]: m for m in config.get("models", [])}
    chosen = config.get("generate", {}).get("models") or list(models)
    return {name: models[name] for name in chosen if name in models}


def problems(config: dict) -> list[str]:
    """Every problem with `config['generate']` (after schema validation), naming the key."""
    from serenade.generation.attributes import SCALAR_FEATURES
    from serenade.generation.selection import WindowChoice

    section = config.get("generate", {})
    found = []
    known = {m["name"] for m in config.get("models", [])}
    for name in section.get("models", []):
        if name not in known:
            found.append(f"generate.models: {name!r} is not in models: "
                         f"({', '.join(sorted(known)) or 'none defined'})")
    windows = [("generate.window", section.get("window"))]
    for kind in ("interpolations", "journeys"):
        seen = set()
        for index, entry in enumerate(section.get(kind, [])):
            if entry["name"] in seen:
                found.append(f"generate.{kind}[{index}].name: {entry['name']!r} is used twice")
            seen.add(entry["name"])
            if "window" in entry:
                windows.append((f"generate.{kind}[{index}].window", entry["window"]))
    attributes = section.get("attributes", {})
    labels = sorted({label for source in config.get("sources", []) for label in source.get("labels", [])})
    names = list(attributes.get("names", []))
    for index, piece in enumerate(attributes.get("pieces", [])):
        names.append(piece["attribute"])
        if "window" in piece:
            windows.append((f"generate.attributes.pieces[{index}].window", piece["window"]))
    for name in names:
        if name not in SCALAR_FEATURES and name not in labels:
            found.append(f"generate.attributes: unknown attribute {name!r}; computed ones are "
                         f"{', '.join(SCALAR_FEATURES)}; source labels are "
                         f"{', '.join(labels) or 'none'}")
    low, high = attributes.get("quantiles", [0.25, 0.75])
    if low > high:
        found.append(f"generate.attributes.quantiles: {low} > {high}")
    for where, value in windows:
        try:
            WindowChoice.from_config(value)
        except (ValueError, AttributeError) as error:
            found.append(f"{where}: {error}")
    return found


def model_dir(name: str) -> str:
    return f"{GENERATED_DIR}/{name}"


def checkpoint(name: str) -> str:
    return f"{MODELS_DIR}/{name}/checkpoint"


def entry(config: dict, kind: str, name: str) -> dict[str, Any]:
    """An interpolation or journey entry with its defaults filled in from `generate:`."""
    section = config["generate"]
    found = next(e for e in section[kind] if e["name"] == name)
    resolved = dict(found)
    resolved.setdefault("window", section.get("window", "first"))
    if kind == "interpolations":
        resolved["inputs"] = [found["from"], found["to"]]
    return resolved


def input_specs(config: dict, kind: str, name: str) -> list[str]:
    return entry(config, kind, name)["inputs"]


def walk_dirs(config: dict, model: str) -> list[str]:
    section = config.get("generate", {})
    return ([f"{model_dir(model)}/interpolations/{e['name']}" for e in section.get("interpolations", [])]
            + [f"{model_dir(model)}/journeys/{e['name']}" for e in section.get("journeys", [])])


def targets(config: dict) -> list[str]:
    """What `snakemake generate` builds for every generation model."""
    result = []
    for model in generation_models(config):
        base = model_dir(model)
        result += [f"{base}/samples", f"{base}/metrics.csv", f"{base}/quality.json",
                   *walk_dirs(config, model)]
        attributes = config.get("generate", {}).get("attributes", {})
        if attributes.get("names") or attributes.get("pieces"):
            result.append(f"{base}/attributes")
    return result


def render_settings(config: dict) -> dict[str, Any]:
    """The rendering part of `generate:` (what RenderSettings.from_config reads)."""
    section = config.get("generate", {})
    return {"program": section.get("program", 0), "velocity": section.get("velocity", 80),
            "audio": dict(section.get("audio", {}))}


def input_files(config: dict, specs: list[str], manifest: str) -> dict[str, Any]:
    """Snakemake inputs for generation inputs: the files themselves, and the manifest when a
    `source:` input needs the data workflow to have fetched it."""
    from serenade.generation.inputs import parse_spec

    names = [source["name"] for source in config.get("sources", [])]
    files, needs_manifest = [], False
    for spec in specs:
        source, path = parse_spec(spec, names)
        if source is None:
            files.append(path)
        else:
            needs_manifest = True
    result: dict[str, Any] = {"files": files}
    if needs_manifest:
        result["manifest"] = manifest
    return result


def common_params(config: dict) -> dict[str, Any]:
    """Params every generation rule shares: rendering settings and the seed."""
    return {"render": render_settings(config), "seed": config.get("generate", {}).get("seed", 0)}


def report_label(kind: str, wildcards) -> dict[str, str]:
    """The row label of a generated file in the Snakemake report (one column, so the report
    never turns a label into a toggle). `wildcards` holds the rule's wildcards and those of
    the report pattern (`file`, `ext`, `temperature`, `piece`)."""
    get = lambda name: str(getattr(wildcards, name, ""))  # noqa: E731
    file, audio, table = get("file"), get("ext") == "wav", get("ext") in ("html", "csv")
    if kind == "samples":
        what = "audio of sample 000" if audio else "piano rolls of every sample"
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
