"""The quality check job: quality.json, quality.txt and reconstructions.png of a model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from serenade.base.tfrecords import read_note_sequences
from serenade.config_schema import schema_default
from serenade.conversion.splits import split_windows
from serenade.generation import conditioning, quality
from serenade.generation.features import features_for
from serenade.generation.jobs.context import LOG, JobContext
from serenade.generation.tracking import log_input_files
from serenade.generation.writing import write_strip
from serenade.groove import quality as groove_quality
from serenade.groove.reconstruction import reconstruct_performances
from serenade.models import latent_prior as priors

STRIP_PAIRS = 8  # eval windows shown with their reconstructions


def run_quality(ctx: JobContext, *, eval: Sequence[str | Path], temperatures: Sequence[float],
                num_samples: int, seed: int, walks: Sequence[str | Path] = (),
                qpm: float = 120.0, chords: str | None = None,
                max_eval_windows: int | None = schema_default("generate.quality.max_eval_windows"),
                train: Sequence[str | Path] = (),
                prior: str = schema_default("models.sample_prior")) -> dict[str, float]:
    """quality.json (figures of serenade.generation.quality), quality.txt (against the
    targets) and reconstructions.png (eval windows above, their reconstructions below), over
    the eval split's windows (a seeded subset of `max_eval_windows` of them). A
    chord-conditioned model reconstructs over each window's chords and samples over `chords`.
    With the `train` split, as many of its windows (seeded) are reconstructed the same way:
    the overfitting line of quality.txt. Samples draw z from `prior`
    (`serenade.models.latent_prior`), as the samples job does."""
    model = ctx.load_model()
    if model.config.groove:  # float windows: the groove figures
        return run_groove_quality(ctx, model, eval=eval, seed=seed, walks=walks,
                                  max_eval_windows=max_eval_windows)
    converter = model.config.converter
    sample_chords = conditioning.progression(model, chords, "generate.chords")
    out_dir = Path(ctx.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    held_out = split_windows(eval, converter, limit=max_eval_windows, seed=seed)
    windows = held_out.windows
    if len(windows) == 0:
        raise ValueError(f"model {ctx.model_name}: the eval split yields no windows to measure")
    trained = split_windows(train, converter, limit=len(windows), seed=seed) if train else None
    tracker = ctx.tracker("quality")
    sampled_from = priors.used(model.latent_prior, prior)
    tracker.log_params({"temperatures": list(temperatures), "num_samples": num_samples,
                        "prior": sampled_from,
                        "seed": seed, "max_eval_windows": max_eval_windows,
                        "eval_windows": len(windows),
                        "train_windows": 0 if trained is None else len(trained.windows)})
    log_input_files(tracker, eval, name="eval split", context="evaluation",
                    profile={"windows": len(windows)})
    if trained is not None:
        log_input_files(tracker, train, name="train split", context="training",
                        profile={"windows": len(trained.windows)})
    figures, decoded = quality.quality_report(
        model, windows, temperatures=temperatures, num_samples=num_samples, seed=seed,
        chords=held_out.controls, sample_chords=sample_chords, prior=prior,
        train_windows=None if trained is None else trained.windows,
        train_chords=None if trained is None else trained.controls)
    matches = _walk_matches(walks)
    if matches:
        figures["interpolations.endpoint_match"] = float(np.nanmean(matches))
    (out_dir / "quality.json").write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")
    features = features_for(converter)
    (out_dir / "quality.txt").write_text(
        quality.format_check(ctx.model_name, figures, features, sampled_from) + "\n")
    tracker.log_metrics({k: v for k, v in figures.items() if np.isfinite(v)}, step=0)

    rng = np.random.default_rng(seed)
    onsets = converter.starts_event(windows).reshape(len(windows), -1).sum(axis=1)  # all parts
    melodic = np.flatnonzero(onsets >= quality.FEW_NOTES)
    chosen = np.sort(rng.choice(melodic, min(STRIP_PAIRS, len(melodic)), replace=False))
    rows, titles = [], []
    for start in range(0, len(chosen), 4):
        group = chosen[start:start + 4]
        rows += [windows[i] for i in group] + [decoded[i] for i in group]
        titles += [f"eval window {i}" for i in group] + [
            f"reconstruction ({100 * quality.endpoint_match(converter, [windows[i]], [decoded[i]]):.0f}% "
            "of onsets)" for i in group]
    write_strip(rows, converter, out_dir / "reconstructions.png", qpm=qpm, titles=titles,
                columns=4, title=f"{ctx.model_name}: held-out windows (above) and their "
                                 "reconstructions from mu (below)")
    for name in ("quality.json", "quality.txt", "reconstructions.png"):
        tracker.log_artifact(out_dir / name, "quality")
    tracker.finish()
    LOG.info("%s", quality.format_check(ctx.model_name, figures, features, sampled_from))
    return figures


def _walk_matches(walks: Sequence[str | Path]) -> list[float]:
    return [json.loads((Path(p) / "endpoints.json").read_text())["endpoint_match"]
            for p in walks if (Path(p) / "endpoints.json").is_file()]


def run_groove_quality(ctx: JobContext, model, *, eval: Sequence[str | Path], seed: int,
                       walks: Sequence[str | Path] = (),
                       max_eval_windows: int | None = None) -> dict[str, float]:
    """A GrooVAE model's quality check: `serenade groove quality`'s figures of the eval split's
    windows reconstructed through the model's encoder view (hit F1, velocity error, timing
    error in ms, timing and velocity spread against the performances'), as
    `reconstruction.<figure>` in quality.json and quality.txt (the melody and drum targets of
    docs/quality.md are for class windows), plus the walks' hit F1 at their waypoints, and
    reconstructions.png."""
    converter = model.config.converter
    out_dir = Path(ctx.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    found = reconstruct_performances(
        model, ((s.filename, s) for s in read_note_sequences(list(eval))), temperature=0.0,
        seed=seed, max_windows=max_eval_windows)
    tracker = ctx.tracker("quality")
    tracker.log_params({"seed": seed, "max_eval_windows": max_eval_windows,
                        "eval_windows": len(found.references), "eval_pieces": found.pieces})
    log_input_files(tracker, eval, name="eval split", context="evaluation",
                    profile={"windows": len(found.references)})
    figures = {f"reconstruction.{k}": v for k, v in found.figures.items()}
    matches = _walk_matches(walks)
    if matches:
        figures["interpolations.endpoint_match"] = float(np.nanmean(matches))
    (out_dir / "quality.json").write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")
    text = groove_quality.format_figures(
        f"{ctx.model_name}: {found.pieces} eval piece(s), {len(found.references)} window(s) "
        "reconstructed (the groove figures of `serenade groove quality`; the melody and drum "
        "targets of docs/quality.md apply to models of class windows)", found.figures)
    if matches:
        text += f"\n  interpolations: hit F1 at the waypoints {figures['interpolations.endpoint_match']:.3f}"
    (out_dir / "quality.txt").write_text(text + "\n")
    tracker.log_metrics({k: v for k, v in figures.items() if np.isfinite(v)}, step=0)
    shown = np.arange(min(STRIP_PAIRS // 2, len(found.references)))
    rows = [found.references[i] for i in shown] + [found.decoded[i] for i in shown]
    f1 = [groove_quality.compare(found.references[i], found.decoded[i], 1.0)["hit_f1"]
          for i in shown]
    titles = [f"eval window {i}" for i in shown] + [f"reconstruction (hit F1 {v:.2f})" for v in f1]
    write_strip(rows, converter, out_dir / "reconstructions.png", qpm=120.0, titles=titles,
                columns=max(len(shown), 1),
                title=f"{ctx.model_name}: held-out grooves (above) and their reconstructions")
    for name in ("quality.json", "quality.txt", "reconstructions.png"):
        tracker.log_artifact(out_dir / name, "quality")
    tracker.finish()
    LOG.info("%s: groove quality over %d eval windows: hit F1 %.3f", ctx.model_name,
             len(found.references), found.figures["hit_f1"])
    return figures
