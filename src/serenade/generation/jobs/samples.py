"""Samples: N seeded samples from the prior at each temperature."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from serenade.base.bit_inputs import window_dtype
from serenade.base.confined import inside
from serenade.base.progress import CountProgress
from serenade.config_schema import schema_default
from serenade.generation import conditioning
from serenade.generation.jobs.context import LOG, PROGRESS, JobContext, finish, render_params
from serenade.generation.jobs.kinds import Caption, JobKind, JobRequest, register
from serenade.generation.writing import write_piece, write_strip
from serenade.models import latent_prior as priors


def temperature_label(temperature: float) -> str:
    """A temperature's folder name: t0.5."""
    return f"t{temperature:g}"


def run_samples(ctx: JobContext, *, n: int, temperatures: Sequence[float], seed: int,
                qpm: float, chords: str | None = None,
                prior: str = schema_default("models.sample_prior")) -> Path:
    """n samples at each temperature (seeded: temperature k uses seed + k), z drawn from
    `prior` (`serenade.models.latent_prior`); a chord-conditioned model samples over the
    progression `chords`."""
    model = ctx.load_model()
    converter = model.config.converter
    classes = conditioning.progression(model, chords, "generate.chords")
    out_dir = Path(ctx.out_dir)
    tracker = ctx.tracker("samples")
    prior_used = priors.used(model.latent_prior, prior)
    LOG.info("%s: samples draw z from %s", ctx.model_name, prior_used)
    tracker.log_params({"n": n, "temperatures": list(temperatures), "seed": seed, "qpm": qpm,
                        "prior": prior_used,
                        **({} if classes is None else {"chords": chords}),
                        **render_params(ctx.render)})
    arrays = {} if classes is None else {"chords": classes}
    progress = CountProgress(PROGRESS, "samples written", n * len(temperatures))
    for index, temperature in enumerate(temperatures):
        events, _ = model.sample(n, temperature=temperature, seed=seed + index, keep_logits=False,
                                 controls=conditioning.vectors(model, classes), prior=prior)
        label = temperature_label(temperature)
        arrays[f"events_{label}"] = np.asarray(
            events, np.float32 if model.config.groove  # GrooVAE: hits, velocities, offsets
            else window_dtype(converter.part_depths))
        for i, row in enumerate(events):
            write_piece(row, converter, inside(out_dir, label, f"sample-{i:03d}.mid"), qpm=qpm,
                        settings=ctx.render, chords=classes,
                        title=f"{ctx.model_name} sample {i} (T={temperature:g})")
            progress.update(index * n + i + 1)
        write_strip(events, converter, inside(out_dir, label, "strip.png"), qpm=qpm,
                    titles=[str(i) for i in range(len(events))],
                    title=f"{ctx.model_name}: samples at temperature {temperature:g}")
        LOG.info("%s: %d samples at temperature %g", ctx.model_name, n, temperature)
    np.savez(out_dir / "samples.npz", temperatures=np.asarray(temperatures, np.float64), **arrays)
    finish(tracker, out_dir, "samples")
    return out_dir


def _run(ctx: JobContext, request: JobRequest) -> Path:
    settings = request.settings
    return run_samples(ctx, n=settings["n"], temperatures=settings["temperatures"],
                       seed=settings["seed"], qpm=settings["qpm"], chords=settings["chords"],
                       prior=settings["prior"])


def _label(get) -> str:
    what = (f"audio of {get('file').replace('-', ' ')}" if get("ext") == "wav"
            else "piano rolls of every sample")
    return f"temperature {get('temperature').removeprefix('t')}: {what}"


register(JobKind(
    rule="sample", section="sample", folder="samples", order=10, run=_run, label=_label,
    shared=("seed", "chords", "prior"), runtime_min=60, applies=lambda model_config: True,
    category="Samples",
    patterns=("{temperature}/{file,strip}.{ext,png}", "{temperature}/{file,sample-[0-9]+}.{ext,wav}"),
    caption=Caption("""
        Random samples from the prior of model **{{ wildcards.model }}** at temperature
        {{ wildcards.temperature[1:] }} (``generate.sample``): a strip of small piano rolls, one
        per sample, or a sample's audio (every sample has its own). A chord-conditioned model
        samples over the progression ``generate.chords``; its MIDI and audio play the chords
        under the melody (the strip shows the melody). Every sample is in the model's
        ``samples/{{ wildcards.temperature }}/`` folder as MIDI, PNG and WAV."""),
))
