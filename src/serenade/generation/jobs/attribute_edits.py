"""Attribute vectors (MusicVAE paper, section 5.4): computed from the train split, measured on
the eval split, applied to pieces ("this piece, calmer")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from serenade.base.confined import component, inside
from serenade.base.midi_parser import read_midi
from serenade.base.progress import CountProgress
from serenade.conversion.splits import split_windows
from serenade.generation import attributes as attr
from serenade.generation import auto_inputs, conditioning
from serenade.generation.features import features_for
from serenade.generation.inputs import resolve_input
from serenade.generation.jobs.context import LOG, PROGRESS, JobContext, finish, write_rows
from serenade.generation.jobs.kinds import Caption, JobKind, JobRequest, register
from serenade.generation.pieces import AttributePiece
from serenade.generation.selection import WindowChoice, select_passage
from serenade.generation.tracking import log_input_files
from serenade.generation.writing import write_piece, write_strip
from serenade.html_tables import csv_to_html


def run_attributes(ctx: JobContext, *, train: Sequence[str | Path], eval: Sequence[str | Path],
                   labels_by_source: Mapping[str, Sequence[str]], names: Sequence[str] | str,
                   quantiles: Sequence[float], max_train_windows: int, max_eval_windows: int,
                   strength: float, pieces: Sequence[Mapping | AttributePiece] | str, qpm: float,
                   temperature: float, seed: int, window: Any, sources: Sequence[Mapping],
                   manifest: str | Path | None = None) -> Path:
    """Attribute vectors from the train split, their effect on eval windows, edited pieces.
    `names` and `pieces` may be `auto` (`serenade.generation.auto_inputs`)."""
    model = ctx.load_model()
    converter = model.config.converter
    features = features_for(converter)
    names = auto_inputs.attribute_names(names, features.defaults, sources)
    if auto_inputs.is_auto(pieces):
        ranked = auto_inputs.candidates(manifest, model.config.name) if manifest else []
        pieces = auto_inputs.attribute_pieces(names, sources, ranked, strength)
        LOG.info("auto pieces: %s", ", ".join(f"{p['name']} = {p['input']}" for p in pieces)
                 or "none (no file with windows)")
    edits = [AttributePiece.from_config(piece) for piece in pieces]  # names checked here
    for name in names:
        component(name, "attribute")  # it keys vectors.npz
    out_dir = Path(ctx.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tracker = ctx.tracker("attributes")
    tracker.log_params({"attributes": list(names), "quantiles": list(quantiles),
                        "max_train_windows": max_train_windows, "max_eval_windows": max_eval_windows,
                        "strength": strength, "qpm": qpm, "temperature": temperature, "seed": seed})
    log_input_files(tracker, train, name="train split", context="training")
    log_input_files(tracker, eval, name="eval split", context="evaluation")
    # Capped while the splits stream by: memory stays within the caps however large the data.
    data = split_windows(train, converter, limit=max_train_windows, seed=seed)
    held_out = split_windows(eval, converter, limit=max_eval_windows, seed=seed)
    LOG.info("attribute vectors from %d training windows, evaluated on %d eval windows",
             len(data), len(held_out))
    mu = attr.encode_mu(model, data.windows, data.controls) if len(data) else None
    needed = list(dict.fromkeys([*names, *(piece.attribute for piece in edits)]))
    vectors, rows = {}, []
    for name in needed:
        vector = attr.compute_vector(model, name, data, labels_by_source, tuple(quantiles), mu=mu,
                                     features=features)
        vectors[name] = vector
        LOG.info("attribute %s", vector.describe())
        effect = attr.evaluate_vector(model, vector, held_out.windows, strength, features,
                                      held_out.controls)
        row = {"kind": vector.kind, "with": vector.count_with, "without": vector.count_without,
               "threshold_low": vector.thresholds[0] if vector.thresholds else "",
               "threshold_high": vector.thresholds[1] if vector.thresholds else "",
               **effect.as_row()}
        rows.append(row)
        tracker.log_metrics({f"{name}.{k}": float(v) for k, v in effect.as_row().items()
                             if isinstance(v, float) and np.isfinite(v)}, step=0)
    np.savez(out_dir / "vectors.npz", **{name: v.vector for name, v in vectors.items()})
    write_rows(out_dir / "effects.csv", rows)

    rng = np.random.default_rng(seed)
    progress = CountProgress(PROGRESS, "edited pieces written", len(edits))
    for done, piece in enumerate(edits, 1):
        vector = vectors[piece.attribute]
        choice = WindowChoice.from_config(window if piece.window is None else piece.window)
        path = resolve_input(piece.input, sources, manifest)
        passage = select_passage(read_midi(path), converter, choice, piece.input,
                                 int(piece.max_windows))
        windows = np.stack([w.events for w in passage])
        chords = conditioning.stacked([w.controls for w in passage])
        controls = conditioning.vectors(model, chords)  # the piece's own, to encode and decode
        mu_piece = attr.encode_mu(model, windows, chords)
        piece_strength = float(strength if piece.strength is None else piece.strength)
        decode_seed = int(rng.integers(2**31))
        original, _ = model.decode(mu_piece, temperature=temperature, seed=decode_seed,
                                   keep_logits=False, controls=controls)
        edited, _ = model.decode(attr.apply_vector(mu_piece, vector, piece_strength),
                                 temperature=temperature, seed=decode_seed, keep_logits=False,
                                 controls=controls)
        tempo = float(piece.qpm or qpm)
        name = piece.name
        what = f"{'+' if piece_strength >= 0 else ''}{piece_strength:g} x {vector.name}"
        write_piece(edited, converter, inside(out_dir, f"{name}.mid"), qpm=tempo,
                    settings=ctx.render, title=f"{piece.input}, {what}, {tempo:g} qpm",
                    chords=chords)
        write_piece(original, converter, inside(out_dir, f"{name}-original.mid"),
                    qpm=passage[0].qpm, settings=ctx.render,
                    title=f"{piece.input} as the model hears it", chords=chords)
        write_strip([np.concatenate(list(original)), np.concatenate(list(edited))], converter,
                    inside(out_dir, f"{name}-strip.png"), qpm=tempo, titles=["original", what],
                    columns=1, title=f"{name}: {piece.input}, track {passage[0].track}, bars "
                                     f"{passage[0].bar}-{passage[-1].bar + passage[-1].bars - 1}")
        LOG.info("piece %s: %s, %d windows", name, what, len(passage))
        progress.update(done)
    finish(tracker, out_dir, "attributes")
    return out_dir


def _run(ctx: JobContext, request: JobRequest) -> Path:
    settings = request.settings
    out_dir = run_attributes(
        ctx, train=request.train, eval=request.eval, labels_by_source=settings["labels"],
        names=settings["names"], quantiles=settings["quantiles"],
        max_train_windows=settings["max_train_windows"],
        max_eval_windows=settings["max_eval_windows"], strength=settings["strength"],
        pieces=settings["pieces"], qpm=settings["qpm"], temperature=settings["temperature"],
        seed=settings["seed"], window=settings["window"], sources=settings["sources"],
        manifest=request.manifest)
    csv_to_html(out_dir / "effects.csv", out_dir / "effects.html",
                f"Attribute vectors of {ctx.model_name}: effect on held-out windows",
                "feature_moved / latent_moved: share of eval windows whose attribute moved in the "
                "asked direction when the vector was added; change_*: side effects on every feature.")
    return out_dir


def _inputs(section: Mapping[str, Any]) -> list[str]:
    pieces = section["pieces"]
    return [auto_inputs.AUTO] if auto_inputs.is_auto(pieces) else [p["input"] for p in pieces]


def _label(get) -> str:
    if get("ext") in ("html", "csv"):
        fmt = "table" if get("ext") == "html" else "effects.csv (download)"
        return f"effect of each attribute vector on held-out windows: {fmt}"
    what = "audio" if get("ext") == "wav" else "before and after, piano rolls"
    return f"{get('piece')}: {what}"


register(JobKind(
    rule="attributes", section="attributes", folder="attributes", order=40, run=_run,
    label=_label, inputs=_inputs, splits=True, memory_mb=6000, runtime_min=60,
    # `auto` names or pieces are non-empty strings: asked for
    wanted=lambda section: bool(section["names"] or section["pieces"]),
    shared=("seed", "temperature", "window", "sources", "labels"),
    category="Attribute vectors",
    patterns=("{piece}-{file,strip}.{ext,png}", "{piece,[^-]+}.{ext,wav}",
              "{file,effects}.{ext,html|csv}"),
    caption=Caption("""
        Attribute vectors (MusicVAE paper, section 5.4) of model **{{ wildcards.model }}**. The
        effects table: for each attribute, how far the measured attribute moved on held-out
        windows when the vector was added, and for what share of them. Strips: an input passage
        as the model reconstructs it (top) and with the attribute vector added (bottom, e.g.
        "calmer"); its audio is at the calm tempo (``generate.attributes.qpm``)."""),
))
