"""Variations of your pieces: for each input, N decodes of latent points near its encoding.

A point is z = (1 - distance) * mu + distance * noise (magenta.js `similar` with similarity
1 - distance, `MusicVAE.similar`): distance 0 decodes the encoding itself, 1 is a sample from
the prior. Each piece's folder holds its reconstruction (the model's decode of mu) and the
variations, and `variations.json` the share of the input's note onsets each keeps.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from serenade.base.bit_inputs import window_dtype
from serenade.base.progress import CountProgress
from serenade.generation import auto_inputs, conditioning
from serenade.generation.inputs import resolve_input
from serenade.generation.jobs.context import LOG, PROGRESS, JobContext, finish, render_params
from serenade.generation.jobs.kinds import Caption, JobKind, JobRequest, register
from serenade.generation.quality import endpoint_match
from serenade.generation.selection import WindowChoice, select_from_file
from serenade.generation.tracking import log_input_files
from serenade.generation.writing import write_piece, write_strip


def run_variations(ctx: JobContext, *, inputs: Sequence[str], n: int, distance: float,
                   temperature: float, seed: int, window: Any, qpm: float | None,
                   sources: Sequence[Mapping], manifest: str | Path | None = None) -> Path:
    """piece-K/: original.mid (the input's window decoded from mu), variation-NN.mid, strip.png;
    variations.json: the onsets each variation keeps of its input (seeded: piece K uses
    seed + K)."""
    if not 0.0 <= distance <= 1.0:
        raise ValueError(f"variations: distance must be in [0, 1], got {distance}")
    model = ctx.load_model()
    converter = model.config.converter
    inputs = auto_inputs.resolve_specs(inputs, manifest, model.config.name, "variations")
    choice = WindowChoice.from_config(window)
    out_dir = Path(ctx.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tracker = ctx.tracker("variations")
    tracker.log_params({"inputs": list(inputs), "n": n, "distance": distance,
                        "window": choice.describe(), "temperature": temperature, "seed": seed,
                        **render_params(ctx.render)})
    summary, progress = [], CountProgress(PROGRESS, "pieces varied", len(inputs))
    for k, spec in enumerate(inputs, 1):
        path = resolve_input(spec, sources, manifest)
        log_input_files(tracker, [path], context="input")
        selected = select_from_file(path, converter, choice, name=spec)
        LOG.info("variations of %s", selected.describe())
        controls = conditioning.vectors(model, selected.controls)
        z, events, _ = model.similar(selected.events, n, 1.0 - distance, temperature,
                                     seed=seed + k, controls=controls)
        original, _ = model.decode(model.encode(selected.events[None], controls=controls)[1],
                                   temperature, seed=seed + k, keep_logits=False,
                                   controls=controls)
        matches = [endpoint_match(converter, [selected.events], [row]) for row in events]
        piece_dir = out_dir / f"piece-{k}"
        tempo = float(qpm) if qpm else selected.qpm
        write_piece(original[0], converter, piece_dir / "original.mid", qpm=tempo,
                    settings=ctx.render, chords=selected.controls,
                    title=f"{spec} as the model hears it")
        for j, row in enumerate(events):
            write_piece(row, converter, piece_dir / f"variation-{j:02d}.mid", qpm=tempo,
                        settings=ctx.render, chords=selected.controls,
                        title=f"{spec}: variation {j} at distance {distance:g}")
        write_strip([selected.events, original[0], *events], converter, piece_dir / "strip.png",
                    qpm=tempo, titles=["input", "reconstruction", *map(str, range(n))],
                    title=f"{ctx.model_name}: variations of {spec} (distance {distance:g}, "
                          f"T={temperature:g})")
        np.savez(piece_dir / "variations.npz", z=z,
                 events=np.asarray(events, window_dtype(converter.part_depths)),
                 input=np.asarray(selected.events), original=np.asarray(original[0]))
        summary.append({"piece": f"piece-{k}", "input": selected.describe(),
                        "match": float(np.mean(matches)), "matches": matches})
        progress.update(k)
    pooled = float(np.mean([row["match"] for row in summary]))
    (out_dir / "variations.json").write_text(json.dumps(
        {"distance": distance, "temperature": temperature, "match": pooled, "pieces": summary},
        indent=1) + "\n")
    tracker.log_metrics({"variations.match": pooled}, step=0)
    LOG.info("%d pieces, %d variations each at distance %g: they keep %.2f of their input's "
             "onsets", len(inputs), n, distance, pooled)
    finish(tracker, out_dir, "variations")
    return out_dir


def _run(ctx: JobContext, request: JobRequest) -> Path:
    settings = request.settings
    return run_variations(ctx, inputs=settings["pieces"], n=settings["n"],
                          distance=settings["distance"], temperature=settings["temperature"],
                          seed=settings["seed"], window=settings["window"], qpm=settings["qpm"],
                          sources=settings["sources"], manifest=request.manifest)


def _label(get) -> str:
    if get("ext") == "wav":
        return f"{get('piece')}: audio of {get('file').replace('-', ' ')}"
    return f"{get('piece')}: input, reconstruction and variations"


register(JobKind(
    rule="variations", section="variations", folder="variations", order=50, run=_run,
    label=_label, inputs=lambda section: list(section["pieces"]),
    wanted=lambda section: bool(section["pieces"]),
    shared=("seed", "temperature", "window", "sources"),
    category="Variations",
    patterns=("{piece}/{file,strip}.{ext,png}", "{piece}/{file,variation-[0-9]+}.{ext,wav}"),
    caption=Caption("""
        Variations of your pieces (``generate.variations``, model **{{ wildcards.model }}**):
        latent points near each input's encoding, decoded. The strip shows the input window,
        the model's reconstruction of it and every variation; ``variations.json`` says how
        many of the input's note onsets each keeps."""),
))
