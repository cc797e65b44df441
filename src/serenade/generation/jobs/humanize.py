"""Humanize held-out grooves: a GrooVAE model's own job on the eval split. A few eval pieces'
drum windows are quantized (the hits alone, at one velocity, on the grid: what the
`humanize` encoder sees) and the model puts back velocities and timing. For each piece the job
writes the performance, its quantized version and the model's humanized one (MIDI, piano roll,
WAV), and `serenade groove quality`'s figures of the humanized windows against the
performances (hit F1, velocity error, timing error in ms, timing and velocity spread):
`quality.json` (pooled, and per piece) and `quality.txt`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from serenade.base.confined import inside
from serenade.base.tfrecords import read_note_sequences
from serenade.generation.jobs.context import LOG, PROGRESS, JobContext, finish, render_params
from serenade.generation.jobs.kinds import Caption, JobKind, JobRequest, register
from serenade.generation.writing import write_piece
from serenade.groove import jobs, quality
from serenade.groove.converter import GrooveConverter, UnmappedDrumPitch

HUMANIZE = jobs.JOBS["humanize"]


def quantized(performance: np.ndarray, converter: GrooveConverter, velocity: int) -> np.ndarray:
    """The performance's hits at one velocity, on the grid (offsets 0): the loop a user
    would bring to be humanized, written so it can be heard beside the result."""
    drums = converter.num_drums
    result = np.zeros_like(performance)
    hits = performance[..., :drums] > quality.HIT_THRESHOLD
    result[..., :drums] = hits
    result[..., drums:2 * drums] = hits * (velocity / 127.0)
    return result


def _stem(index: int, filename: str) -> str:
    name = Path(filename or f"piece{index}").stem
    return f"{index:02d}-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def run_humanize(ctx: JobContext, *, eval: Sequence[str | Path], files: int, temperature: float,
                 seed: int) -> Path:
    """Humanize the drum windows of the first `files` eval pieces that give any (in split
    order); pieces without a window, or with a drum pitch in no class, are passed by."""
    model = ctx.load_model()
    converter: GrooveConverter = model.config.converter
    jobs.check_config(HUMANIZE, model.config.name, converter)
    out_dir = Path(ctx.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tracker = ctx.tracker("humanize")
    tracker.log_params({"files": files, "temperature": temperature, "seed": seed,
                        **render_params(ctx.render)})
    references, outputs, seconds, pieces, passed = [], [], [], [], []
    for sequence in read_note_sequences(list(eval)):
        if len(pieces) == files:
            break
        try:
            result = jobs.run_job(model, HUMANIZE, sequence, temperature=temperature, seed=seed)
        except (jobs.GrooveInputError, UnmappedDrumPitch) as error:
            passed.append(f"{sequence.filename}: {str(error).strip(chr(39))}")
            continue
        stem = _stem(len(pieces), sequence.filename)
        step = quality.step_seconds(result.qpm, converter.steps_per_quarter)
        figures = quality.compare(result.performance.outputs, result.written, step,
                                  converter.classes_for("infer").names)
        for label, windows in (("performance", result.performance.outputs),
                               ("quantized", quantized(result.performance.outputs, converter,
                                                       ctx.render.velocity)),
                               ("humanized", result.written)):
            write_piece(windows, converter, inside(out_dir, f"{stem}-{label}.mid"),
                        qpm=result.qpm, settings=ctx.render,
                        title=f"{sequence.filename}: {label}")
        references.append(result.performance.outputs)
        outputs.append(result.written)
        seconds += [step] * len(result.performance)
        pieces.append({"piece": sequence.filename, "stem": stem, **figures})
        PROGRESS.info("humanized %s (%d windows)", sequence.filename, len(result.performance))
    if not pieces:
        raise ValueError(f"humanize: none of the eval pieces gives a {model.config.name} drum "
                         "window: " + "; ".join(passed[:5]))
    pooled = quality.compare(np.concatenate(references), np.concatenate(outputs),
                             np.asarray(seconds), converter.classes_for("infer").names)
    (out_dir / "quality.json").write_text(json.dumps(
        {"pooled": pooled, "pieces": pieces, "passed_by": passed, "temperature": temperature},
        indent=1) + "\n")
    (out_dir / "quality.txt").write_text(quality.format_figures(
        f"{ctx.model_name}: {len(pieces)} eval piece(s) quantized and humanized "
        f"(temperature {temperature:g})", pooled) + "\n")
    tracker.log_metrics({f"humanize.{k}": v for k, v in pooled.items() if np.isfinite(v)}, step=0)
    LOG.info("%s: humanized %d eval pieces, hit F1 %.3f", ctx.model_name, len(pieces),
             pooled["hit_f1"])
    finish(tracker, out_dir, "humanized")
    return out_dir


def _run(ctx: JobContext, request: JobRequest) -> Path:
    settings = request.settings
    return run_humanize(ctx, eval=request.eval, files=settings["files"],
                        temperature=settings["temperature"], seed=settings["seed"])


def _label(get) -> str:
    what = "audio" if get("ext") == "wav" else "piano roll"
    return f"{get('file')}: {what}"


register(JobKind(
    rule="humanize", section="humanize", folder="humanized", order=45, run=_run, label=_label,
    wanted=lambda section: section["files"] > 0, splits=True,
    applies=lambda model_config: model_config.groove and HUMANIZE.fits(model_config.converter),
    category="Humanized grooves",
    patterns=("{file,[0-9]+-.+}.{ext,png|wav}",),
    caption=Caption("""
        Held-out grooves humanized by GrooVAE model **{{ wildcards.model }}**
        (``generate.humanize``): each eval piece as played (performance), its hits quantized
        at one velocity (quantized: what the model reads), and the model's velocities and
        timing put back (humanized). ``quality.json`` and ``quality.txt`` beside them hold the
        hit F1, velocity error and timing error of the humanized windows against the
        performances."""),
))
