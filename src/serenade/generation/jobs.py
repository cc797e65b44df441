"""The generation jobs the workflow runs (one function per rule), each logged to MLflow as a
child run of its model's run. Rules call these through short workflow/scripts/*.py files (see `serenade.pipeline.jobs`).

Output layout under results/generated/{model}/ (every MIDI has a PNG of the same stem beside
it, and a WAV when audio is on):
- samples/t{temperature}/sample-NNN.mid, samples/t{temperature}/strip.png, samples/samples.npz
- interpolations/{name}/step-NN.mid, interpolation.mid (all steps in order), strip.png, inputs.txt,
  endpoints.json (share of each input's note onsets its decoded endpoint keeps)
- journeys/{name}/journey.mid, strip.png, inputs.txt, endpoints.json
- attributes/vectors.npz, attributes/effects.csv, attributes/{piece}.mid (edited),
  attributes/{piece}-original.mid (the same passage decoded without the vector), {piece}-strip.png
- metrics.csv

A chord-conditioned model samples over `chords` (a progression); its interpolations, journeys,
attribute edits and reconstructions use each input's own chords. Its MIDI files carry the chords
as chord symbols and play them as soft block chords under the melody.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from serenade.base.bit_inputs import window_dtype
from serenade.base.confined import component, inside
from serenade.base.midi_parser import read_midi
from serenade.base.progress import CountProgress, progress_logger
from serenade.base.tfrecords import read_note_sequences
from serenade.config_schema import schema_default
from serenade.conversion import converter_for_config
from serenade.conversion.splits import WindowSample, split_windows, windows_by_sequence
from serenade.generation import attributes as attr
from serenade.generation import auto_inputs, conditioning
from serenade.generation import quality
from serenade.generation.features import features_for
from serenade.generation.inputs import resolve_input
from serenade.generation.latent_paths import walk
from serenade.generation.metrics import memorisation_rate, music_metrics, training_keys
from serenade.generation.pieces import AttributePiece
from serenade.generation.quality import endpoint_match
from serenade.generation.selection import WindowChoice, select_from_file, select_passage
from serenade.generation.tracking import NoTracking, log_input_files, start_generation_run
from serenade.generation.writing import RenderSettings, write_piece, write_strip

LOG = logging.getLogger("serenade.generation")
PROGRESS = progress_logger("generation")


@dataclass
class JobContext:
    """What every generation job needs: the model, where to write, how to render and track."""

    model_name: str
    config_name: str
    checkpoint: str | Path
    out_dir: str | Path
    render: RenderSettings = field(default_factory=RenderSettings)
    tracking_uri: str | None = None
    results_dir: str | Path = "results"
    hparams: str = ""
    track: bool = True  # False: log nothing to MLflow (command-line runs)

    def load_model(self):
        from serenade.models.checkpoint import load_model

        PROGRESS.info("loading model %s", self.model_name)
        if (Path(self.checkpoint) / "serenade.json").exists():  # config and hparams stored
            return load_model(self.checkpoint)
        return load_model(self.checkpoint, self.config_name, self.hparams)

    def tracker(self, job: str):
        if not self.track:
            return NoTracking()
        csv_path = Path(self.results_dir) / "logs" / "generate" / self.model_name / f"{job}-metrics.csv"
        return start_generation_run(self.model_name, self.config_name, job, csv_path,
                                    tracking_uri=self.tracking_uri, results_dir=self.results_dir)


def _render_params(render: RenderSettings) -> dict[str, Any]:
    return {"program": render.program, "velocity": render.velocity, "audio": render.audio,
            "audio_backend": render.audio_backend}


def _finish(tracker, out_dir: Path, artifact_path: str | None = None) -> None:
    tracker.log_artifact(out_dir, artifact_path)
    tracker.finish()


# -- samples ----------------------------------------------------------------------------------

def temperature_label(temperature: float) -> str:
    return f"t{temperature:g}"


def run_samples(ctx: JobContext, *, n: int, temperatures: Sequence[float], seed: int,
                qpm: float, chords: str | None = None) -> Path:
    """n samples at each temperature (seeded: temperature k uses seed + k); a
    chord-conditioned model samples over the progression `chords`."""
    model = ctx.load_model()
    converter = model.config.converter
    classes = conditioning.progression(model, chords, "generate.chords")
    out_dir = Path(ctx.out_dir)
    tracker = ctx.tracker("samples")
    tracker.log_params({"n": n, "temperatures": list(temperatures), "seed": seed, "qpm": qpm,
                        **({} if classes is None else {"chords": chords}),
                        **_render_params(ctx.render)})
    arrays = {} if classes is None else {"chords": classes}
    progress = CountProgress(PROGRESS, "samples written", n * len(temperatures))
    for index, temperature in enumerate(temperatures):
        events, _ = model.sample(n, temperature=temperature, seed=seed + index, keep_logits=False,
                                 controls=conditioning.vectors(model, classes))
        label = temperature_label(temperature)
        arrays[f"events_{label}"] = np.asarray(events, window_dtype(converter.part_depths))
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
    _finish(tracker, out_dir, "samples")
    return out_dir


# -- interpolations and journeys ----------------------------------------------------------------

def _select_inputs(specs: Sequence[str], converter, choice, sources, manifest):
    """The chosen window of each input, and the files they came from."""
    selected, paths = [], []
    for spec in specs:
        path = resolve_input(spec, sources, manifest)
        window = select_from_file(path, converter, choice, name=spec)
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
    selected, paths = _select_inputs(inputs, converter, choice, sources, manifest)
    tempo = float(qpm) if qpm else selected[0].qpm
    path = walk(model, [w.events for w in selected], num_steps, method=method,
                temperature=temperature, seed=seed,
                chords=conditioning.stacked([w.controls for w in selected]))
    out_dir = Path(ctx.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tracker = ctx.tracker(f"{kind}/{name}")
    tracker.log_params({"inputs": list(inputs), "window": choice.describe(), "num_steps": num_steps,
                        "method": method, "temperature": temperature, "seed": seed, "qpm": tempo,
                        **_render_params(ctx.render)})
    for file in dict.fromkeys(paths):  # a journey may pass by one file twice
        log_input_files(tracker, [file], context="input")
    (out_dir / "inputs.txt").write_text("".join(w.describe() + "\n" for w in selected))
    # The waypoints are the model's decodes of the inputs, not the inputs: say so, and how
    # much of each input's melody they keep.
    matches = [endpoint_match(converter, [w.events], [path.events[i]])
               for w, i in zip(selected, path.waypoints)]
    pooled = endpoint_match(converter, [w.events for w in selected], path.events[path.waypoints])
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
    events = path.events.astype(window_dtype(converter.part_depths))
    np.savez(out_dir / "path.npz", z=path.z, events=events, waypoints=np.asarray(path.waypoints),
             **({} if chords is None else {"chords": chords}))
    LOG.info("%s %s: %d windows -> %s", kind, name, len(path.events), whole.midi)
    _finish(tracker, out_dir, f"{kind}s/{name}")
    return out_dir


# -- attribute vectors ---------------------------------------------------------------------

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
    _write_rows(out_dir / "effects.csv", rows)

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
    _finish(tracker, out_dir, "attributes")
    return out_dir


def _write_rows(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    fields = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})


# -- music metrics ---------------------------------------------------------------------------

def run_metrics(ctx: JobContext, *, samples: str | Path, train: Sequence[str | Path],
                eval: Sequence[str | Path], walks: Sequence[str | Path] = (),
                max_windows: int = schema_default("generate.metrics.max_windows"),
                max_eval_windows: int | None = schema_default("generate.metrics.max_eval_windows"),
                seed: int = 0) -> Path:
    """metrics.csv: one row per generated set (samples per temperature, interpolations and
    journeys together) and a `train_vs_eval` reference row, all against the eval split (or a
    seeded subset of `max_eval_windows` of its windows)."""
    converter = converter_for_config(ctx.config_name)
    features = features_for(converter)
    eval_windows = split_windows(eval, converter, limit=max_eval_windows, seed=seed).windows
    sets: dict[str, np.ndarray] = {}
    with np.load(samples) as arrays:
        for temperature in arrays["temperatures"]:
            label = temperature_label(float(temperature))
            sets[f"samples_{label}"] = arrays[f"events_{label}"]
    walked = [np.load(Path(p) / "path.npz")["events"] for p in walks]
    if walked:
        sets["interpolations_and_journeys"] = np.concatenate(walked)
    # The train split streams by once. Kept: the training keys (for memorisation) of the
    # windows measured here, not of every training window, and a seeded subset of
    # 4 x max_windows (the train_vs_eval row): memory stays bounded at any corpus size.
    measured = [eval_windows, *sets.values()]
    wanted = set().union(*(training_keys(w, features.key) for w in measured))
    keys: set[bytes] = set()
    reference = WindowSample(4 * max_windows, seed)
    sequences = read_note_sequences([str(p) for p in train])
    for windows, controls, source in windows_by_sequence(sequences, converter):
        keys |= training_keys(windows, features.key) & wanted
        reference.add(windows, controls, source)
    train_sample = reference.result(converter).windows
    tracker = ctx.tracker("music_metrics")
    tracker.log_params({"max_windows": max_windows, "max_eval_windows": max_eval_windows,
                        "seed": seed, "train_windows": reference.seen,
                        "eval_windows": len(eval_windows)})
    log_input_files(tracker, train, name="train split", context="training")
    log_input_files(tracker, eval, name="eval split", context="evaluation")
    rows = []
    measured_sets = [*sets.items(), ("train_vs_eval", train_sample)]
    progress = CountProgress(PROGRESS, "sets measured", len(measured_sets))
    for done, (name, windows) in enumerate(measured_sets, 1):
        reference_row = name == "train_vs_eval"
        metrics = music_metrics(windows, eval_windows, features=features,
                                train_keys=None if reference_row else keys,
                                max_windows=max_windows, seed=seed)
        if reference_row:
            # every training window is its own match; the useful figure is eval leakage
            metrics["memorisation_rate"] = memorisation_rate(eval_windows, keys, features.key)
        rows.append({"set": name, **metrics})
        tracker.log_metrics({f"{name}.{k}": v for k, v in metrics.items() if np.isfinite(v)}, step=0)
        progress.update(done)
    out = Path(ctx.out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_rows(out, rows)
    tracker.log_artifact(out)
    tracker.finish()
    return out


# -- quality ----------------------------------------------------------------------------------

STRIP_PAIRS = 8  # eval windows shown with their reconstructions


def run_quality(ctx: JobContext, *, eval: Sequence[str | Path], temperatures: Sequence[float],
                num_samples: int, seed: int, walks: Sequence[str | Path] = (),
                qpm: float = 120.0, chords: str | None = None,
                max_eval_windows: int | None = schema_default("generate.quality.max_eval_windows"),
                train: Sequence[str | Path] = ()) -> dict[str, float]:
    """quality.json (figures of serenade.generation.quality), quality.txt (against the
    targets) and reconstructions.png (eval windows above, their reconstructions below), over
    the eval split's windows (a seeded subset of `max_eval_windows` of them). A
    chord-conditioned model reconstructs over each window's chords and samples over `chords`.
    With the `train` split, as many of its windows (seeded) are reconstructed the same way:
    the overfitting line of quality.txt."""
    model = ctx.load_model()
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
    tracker.log_params({"temperatures": list(temperatures), "num_samples": num_samples,
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
        chords=held_out.controls, sample_chords=sample_chords,
        train_windows=None if trained is None else trained.windows,
        train_chords=None if trained is None else trained.controls)
    matches = [json.loads((Path(p) / "endpoints.json").read_text())["endpoint_match"]
               for p in walks if (Path(p) / "endpoints.json").is_file()]
    if matches:
        figures["interpolations.endpoint_match"] = float(np.nanmean(matches))
    (out_dir / "quality.json").write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")
    features = features_for(converter)
    (out_dir / "quality.txt").write_text(
        quality.format_check(ctx.model_name, figures, features) + "\n")
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
    LOG.info("%s", quality.format_check(ctx.model_name, figures, features))
    return figures
