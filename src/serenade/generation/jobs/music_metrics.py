"""The music metrics job: metrics.csv, every generated set of a model against its eval split."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from serenade.base.progress import CountProgress
from serenade.base.tfrecords import read_note_sequences
from serenade.config_schema import schema_default
from serenade.conversion import converter_for_config
from serenade.conversion.splits import WindowSample, split_windows, windows_by_sequence
from serenade.generation.features import features_for
from serenade.generation.jobs.context import PROGRESS, JobContext, write_rows
from serenade.generation.jobs.samples import temperature_label
from serenade.generation.metrics import memorisation_rate, music_metrics, training_keys
from serenade.generation.tracking import log_input_files


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
    write_rows(out, rows)
    tracker.log_artifact(out)
    tracker.finish()
    return out
