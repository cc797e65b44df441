"""Walks through latent space: an interpolation between two inputs, a journey through several.
The two kinds share one job; `latent_paths.walk` computes the path."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from serenade.base.bit_inputs import window_dtype
from serenade.base.confined import inside
from serenade.base.progress import CountProgress
from serenade.generation import auto_inputs, conditioning
from serenade.generation.groove_windows import hit_match, select_groove_from_file
from serenade.generation.inputs import resolve_input
from serenade.generation.jobs.context import LOG, PROGRESS, JobContext, finish, render_params
from serenade.generation.jobs.kinds import Caption, JobKind, JobRequest, register
from serenade.generation.quality import endpoint_match
from serenade.generation.selection import WindowChoice, select_from_file
from serenade.generation.tracking import log_input_files
from serenade.generation.writing import write_piece, write_strip
from serenade.models.latent_paths import walk


def _select_inputs(specs: Sequence[str], model, choice, sources, manifest):
    """The chosen window of each input, and the files they came from."""
    select = select_groove_from_file if model.config.groove else select_from_file
    selected, paths = [], []
    for spec in specs:
        path = resolve_input(spec, sources, manifest)
        window = select(path, model.config.converter, choice, name=spec)
        LOG.info("input %s", window.describe())
        selected.append(window)
        paths.append(path)
    return selected, paths


def run_walk(ctx: JobContext, *, kind: str, name: str, inputs: Sequence[str], window: Any,
             num_steps: int, method: str, temperature: float, seed: int, qpm: float | None,
             sources: Sequence[Mapping], manifest: str | Path | None = None) -> Path:
    """An interpolation (kind 'interpolation', two inputs) or a journey (kind 'journey'); a
    chord-conditioned model walks over each input's own chords (`latent_paths.walk`)."""
    if kind == "interpolation" and len(inputs) != 2:
        raise ValueError(f"interpolation {name!r}: needs exactly 2 inputs, got {len(inputs)}")
    model = ctx.load_model()
    converter = model.config.converter
    inputs = auto_inputs.resolve_specs(inputs, manifest, model.config.name, f"{kind} {name!r}")
    choice = WindowChoice.from_config(window)
    selected, paths = _select_inputs(inputs, model, choice, sources, manifest)
    tempo = float(qpm) if qpm else selected[0].qpm
    path = walk(model, [w.events for w in selected], num_steps, method=method,
                temperature=temperature, seed=seed,
                chords=conditioning.stacked([w.controls for w in selected]))
    out_dir = Path(ctx.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tracker = ctx.tracker(f"{kind}/{name}")
    tracker.log_params({"inputs": list(inputs), "window": choice.describe(), "num_steps": num_steps,
                        "method": method, "temperature": temperature, "seed": seed, "qpm": tempo,
                        **render_params(ctx.render)})
    for file in dict.fromkeys(paths):  # a journey may pass by one file twice
        log_input_files(tracker, [file], context="input")
    (out_dir / "inputs.txt").write_text("".join(w.describe() + "\n" for w in selected))
    # The waypoints are the model's decodes of the inputs, not the inputs: say so, and how
    # much of each input's melody they keep.
    match = _endpoint_match(model)
    matches = [match(converter, [w], [path.events[i]]) for w, i in zip(selected, path.waypoints)]
    pooled = match(converter, selected, path.events[path.waypoints])
    (out_dir / "endpoints.json").write_text(json.dumps(
        {"endpoint_match": pooled, "temperature": temperature,
         "inputs": [{"input": spec, "match": m} for spec, m in zip(inputs, matches)]},
        indent=1) + "\n")
    tracker.log_metrics({"endpoint_match": pooled}, step=0)
    titles = [f"input {path.waypoints.index(i) + 1} as reconstructed" if i in path.waypoints
              else str(i) for i in range(len(path.events))]
    chords = path.chords
    steps = len(path.events) if kind == "interpolation" else 0
    progress = CountProgress(PROGRESS, f"{kind} {name}: pieces written", steps + 1)
    for i, row in enumerate(path.events[:steps]):
        write_piece(row, converter, out_dir / f"step-{i:02d}.mid", qpm=tempo,
                    settings=ctx.render, title=f"{name}: step {i} of {len(path.events) - 1}",
                    chords=None if chords is None else chords[i])
        progress.update(i + 1)
    whole = write_piece(path.events, converter, inside(out_dir, f"{kind}.mid"), qpm=tempo,
                        settings=ctx.render, title=f"{name}: {' -> '.join(inputs)}",
                        chords=chords)
    progress.update(steps + 1)
    write_strip(path.events, converter, out_dir / "strip.png", qpm=tempo, titles=titles,
                title=f"{ctx.model_name} {kind} {name} ({method}, T={temperature:g})")
    events = (path.events.astype(np.float32) if model.config.groove  # hits, velocities, offsets
              else path.events.astype(window_dtype(converter.part_depths)))
    np.savez(out_dir / "path.npz", z=path.z, events=events, waypoints=np.asarray(path.waypoints),
             **({} if chords is None else {"chords": chords}))
    LOG.info("%s %s: %d windows -> %s", kind, name, len(path.events), whole.midi)
    finish(tracker, out_dir, f"{kind}s/{name}")
    return out_dir


def _endpoint_match(model):
    """f(converter, input windows, their waypoints' decodes) -> the share of the inputs the
    decodes keep: the melody (or drum) match of class windows, the hit F1 of a GrooVAE
    model's decodes against the performances."""
    if model.config.groove:
        return lambda converter, windows, decoded: hit_match(
            np.stack([w.performance for w in windows]), np.asarray(decoded))
    return lambda converter, windows, decoded: endpoint_match(
        converter, [w.events for w in windows], decoded)


def _runner(kind: str):
    def run(ctx: JobContext, request: JobRequest) -> Path:
        settings = request.settings
        return run_walk(ctx, kind=kind, name=request.name, inputs=_inputs(settings),
                        window=settings["window"], num_steps=settings["num_steps"],
                        method=settings["method"], temperature=settings["temperature"],
                        seed=settings["seed"], qpm=settings["qpm"], sources=settings["sources"],
                        manifest=request.manifest)
    return run


def _inputs(entry: Mapping[str, Any]) -> list[str]:
    return [entry["from"], entry["to"]] if "from" in entry else list(entry["inputs"])


def _interpolation_label(get) -> str:
    what = "audio of the whole interpolation" if get("ext") == "wav" else "piano roll of each step"
    return f"{get('name')}: {what}"


def _journey_label(get) -> str:
    if get("ext") == "wav":
        what = "audio of the whole piece"
    else:
        what = "piano roll of each step" if get("file") == "strip" else "the whole piece as a piano roll"
    return f"{get('name')}: {what}"


_WALK = dict(named=True, walk=True, inputs=_inputs,
             shared=("seed", "temperature", "window", "sources"),
             applies=lambda model_config: True)  # GrooVAE models walk too

register(JobKind(
    rule="interpolate", section="interpolations", folder="interpolations", order=20,
    run=_runner("interpolation"), label=_interpolation_label, category="Interpolations",
    patterns=("{file,strip}.{ext,png}", "{file,interpolation}.{ext,wav}"),
    caption=Caption("""
        An interpolation between two inputs in latent space (``generate.interpolations``, entry
        **{{ wildcards.name }}**, model **{{ wildcards.model }}**): one small piano roll per
        step, endpoints included, or the whole interpolation as audio. ``inputs.txt`` beside it
        says which window of each input was used."""),
    **_WALK,
))

register(JobKind(
    rule="journey", section="journeys", folder="journeys", order=30,
    run=_runner("journey"), label=_journey_label, category="Journeys",
    patterns=("{file,strip|journey}.{ext,png}", "{file,journey}.{ext,wav}"),
    caption=Caption("""
        A journey through several inputs in latent space (``generate.journeys``, entry
        **{{ wildcards.name }}**, model **{{ wildcards.model }}**): the steps as a strip, the
        whole piece as a piano roll, or as audio."""),
    **_WALK,
))
