"""A whole training (or import) job: data, placement, resume, tracking, evaluation, outputs.

Outputs in `out_dir` (the rule's declared outputs): `checkpoint/` (Serenade format, loadable by
every `serenade` command), `eval.json` (final evaluation), `config.yaml` (resolved config),
`metrics.csv`, `training-curve.png`. Resume state lives in `checkpoint_root/{name}-{key}/`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import logging
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import yaml

from serenade.config_schema import schema_default
from serenade.paths import REPO_ROOT
from serenade.sources.download import download
from serenade.training import checkpoints, dataset, tracking
from serenade.training import curves
from serenade.training.progress import Progress
from serenade.training.settings import TrainSettings, resolve_config

LOG = logging.getLogger("serenade.training")


@dataclass
class JobPaths:
    """Where a job reads and writes."""

    train: Sequence[str | Path]
    eval: Sequence[str | Path]
    out_dir: str | Path
    manifest: str | Path | None = None
    checkpoint_root: str | Path = "results/checkpoints"
    results_dir: str | Path = "results"


@dataclass
class RunOptions:
    """Run-only settings: they change how a job reports, never what it produces."""

    tracking_uri: str | None = None
    log_every: int = schema_default("tracking.log_every")
    extra_tags: dict[str, str] = field(default_factory=dict)


def file_digest(paths: Sequence[str | Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=20).stdout
        return commit + ("-dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def installed_packages() -> str:
    """`pip freeze`-style list of the environment (from package metadata, no pip needed)."""
    lines = {f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
             if d.metadata["Name"]}
    return "\n".join(sorted(lines, key=str.lower)) + "\n"


def _data_hash(paths: JobPaths) -> str:
    if paths.manifest and Path(paths.manifest).is_file():
        return file_digest([paths.manifest])
    return file_digest([*paths.train, *paths.eval])


def _interval_means(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = rows[0].keys()
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def train_model(name: str, config_name: str, hparams: str, settings: TrainSettings,
                paths: JobPaths, options: RunOptions = RunOptions()) -> dict[str, float]:
    """Train (or resume training) one model; returns the final evaluation metrics."""
    from serenade.training import devices, evaluation
    from serenade.training.trainer import Trainer

    settings.validate()
    config = resolve_config(config_name, hparams, settings)
    hp = config.hparams
    batch_size = int(hp.batch_size)
    data_sha = _data_hash(paths)
    key = checkpoints.training_key({"config": config_name, "hparams": hp.to_string(),
                                    "data": data_sha, **settings.key_values()})
    store = checkpoints.ResumeStore(Path(paths.checkpoint_root) / f"{name}-{key}",
                                    keep=settings.keep_checkpoints)
    if store.is_complete():
        LOG.info("%s: a finished run exists in %s; this rerun starts a new one", name,
                 store.directory)
        store.clear()
    out_dir = Path(paths.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    placement = devices.select(mixed_precision=settings.mixed_precision)
    source = None
    if settings.init_from:
        from serenade.models.checkpoint import load_model

        source = load_model(settings.init_from, config_name, hp.to_string())
    offset = int(source.global_step) if source is not None else 0
    trainer = Trainer(config, placement, jit_compile=settings.jit_compile, schedule_offset=offset)
    resume_step = store.latest()
    if resume_step is not None:
        step, weights, optimizer_state = store.load(resume_step)
        trainer.set_model_weights(weights)
        trainer.set_optimizer_weights(optimizer_state)
        LOG.info("%s: resuming from step %d (%s)", name, step, store.path(step))
    elif source is not None:
        trainer.set_model_weights(source.numpy_weights())
        LOG.info("%s: fine-tuning from %s (trained %d steps): fresh optimizer, schedules "
                 "continue from step %d", name, settings.init_from, offset, offset)
    start_step = trainer.step
    if resume_step is not None and start_step != resume_step:
        raise RuntimeError(f"checkpoint {store.path(resume_step)} restored step {start_step}")

    csv_path = store.directory / "metrics.csv"
    if resume_step is None:
        csv_path.unlink(missing_ok=True)
    tracker = tracking.RunTracker(
        experiment=config_name, run_name=name, csv_path=csv_path,
        tracking_uri=options.tracking_uri, results_dir=paths.results_dir,
        run_id=store.read_run_id() if resume_step is not None else None,
        tags={"serenade.model": name, "serenade.kind": "train", **options.extra_tags})
    tracker.start()
    store.write_run_id(tracker.run_id)
    resolved = {
        "name": name, "config": config_name, "hparams": hp.to_string(),
        "train": settings.as_dict(), "training_key": key, "data_sha256": data_sha,
        "train_files": [str(p) for p in paths.train], "eval_files": [str(p) for p in paths.eval],
        "placement": placement.description,
    }
    if not tracker.resumed:
        params = {**hp.values(), **{f"train.{k}": v for k, v in settings.as_dict().items()},
                  "schedule_offset": offset,
                  "config": config_name, "seed": settings.seed, "manifest_sha256": data_sha,
                  "git_commit": git_commit(), "training_key": key, "devices": placement.replicas}
        tracker.log_params(params)
    (out_dir / "config.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False))

    train_records = dataset.read_serialized(paths.train)
    converter = config.converter
    if not settings.transpose:
        converter = dataclasses.replace(converter, transpose_range=None)
    dataset.require_windows(train_records, converter, ", ".join(str(p) for p in paths.train))
    eval_records = dataset.read_serialized(paths.eval)
    eval_windows = dataset.eval_windows(eval_records, config.converter,
                                        max_windows=settings.eval_max_windows,
                                        seed=settings.seed)
    LOG.info("%s: %d train sequences, %d eval sequences -> %d eval windows", name,
             len(train_records), len(eval_records), len(eval_windows))
    if len(eval_windows) == 0:
        LOG.warning("%s: the eval split yields no windows for %s: no evaluation", name,
                    config_name)
    stream = trainer.distribute(dataset.training_dataset(
        train_records, converter, batch_size=batch_size, seed=settings.seed,
        start_step=start_step))
    batches = iter(stream)

    def run_eval(step: int) -> dict[str, float]:
        if len(eval_windows) == 0:
            return {}
        beta = float(trainer.schedule_values(max(step - 1, 0))["beta"])
        metrics = evaluation.evaluate(trainer.model, eval_windows, batch_size=max(batch_size, 64),
                                      beta=beta, free_bits=hp.free_bits,
                                      loss_sampling_probability=trainer.eval_sampling_probability)
        tracker.log_metrics({f"eval_{k}": v for k, v in metrics.items()}, step=step)
        LOG.info("%s: eval at step %d: %s", name, step,
                 ", ".join(f"{k} {v:.4g}" for k, v in metrics.items()))
        return metrics

    def save(step: int) -> None:
        store.save(step, trainer.model_weights(), trainer.optimizer_weights())

    progress = Progress(settings.steps, start_step, batch_size)
    window: list[dict[str, float]] = []
    step = start_step
    compiled = False
    try:
        while step < settings.steps:
            metrics = trainer.train_step(next(batches))
            step += 1
            window.append(metrics)
            if not compiled:
                compiled = True
                progress.restart_clock(step)  # the first step includes tracing
                window.clear()
                LOG.info("%s: first step done (graph traced); training to step %d", name,
                         settings.steps)
                continue
            if step % options.log_every == 0 or step == settings.steps:
                means = _interval_means(window)
                window.clear()
                _, rate = progress.report(step, means)
                tracker.log_metrics({**means, "examples_per_sec": rate}, step=step)
            if step % settings.eval_every == 0 and step != settings.steps:
                run_eval(step)
                progress.restart_clock(step)
            if step % settings.checkpoint_every == 0 and step != settings.steps:
                save(step)
    except Exception:
        # A crash marks the run FAILED (a resumed job sets it RUNNING again); SIGKILL cannot be
        # caught, so a killed job's run stays RUNNING until its resume.
        tracker.finish("FAILED")
        raise

    save(step)
    final = run_eval(step)
    from serenade.models.checkpoint import save_model

    model_dir = out_dir / "checkpoint"
    if model_dir.exists():
        shutil.rmtree(model_dir)
    save_model(trainer.model, model_dir, step=step)
    _write_outputs(out_dir, final, csv_path, name, tracker)
    tracker.log_artifact(model_dir, "checkpoint")
    store.mark_complete()
    tracker.finish()
    return final


def _write_outputs(out_dir: Path, final: dict[str, float], csv_path: Path, name: str,
                   tracker: tracking.RunTracker) -> None:
    (out_dir / "eval.json").write_text(json.dumps(final, indent=1, sort_keys=True) + "\n")
    if csv_path.exists() and csv_path.resolve() != (out_dir / "metrics.csv").resolve():
        shutil.copyfile(csv_path, out_dir / "metrics.csv")
    (out_dir / "requirements-freeze.txt").write_text(installed_packages())
    curve = out_dir / "training-curve.png"
    if (out_dir / "metrics.csv").exists():
        curves.plot_training_curves(out_dir / "metrics.csv", curve, title=name)
    for artifact in ("config.yaml", "eval.json", "metrics.csv", "requirements-freeze.txt",
                     "training-curve.png"):
        if (out_dir / artifact).exists():
            tracker.log_artifact(out_dir / artifact)


def import_model(name: str, config_name: str, hparams: str, source: str, eval_paths:
                 Sequence[str | Path], out_dir: str | Path, *, sha256: str = "",
                 results_dir: str | Path = "results",
                 eval_max_windows: int | None = schema_default("models.train.eval_max_windows"),
                 options: RunOptions = RunOptions(), download_dir: str | Path | None = None
                 ) -> dict[str, float]:
    """Bring a magenta or Serenade checkpoint in (path or URL), evaluate it, track it."""
    from serenade.models.checkpoint import load_model, save_model
    from serenade.training import evaluation, schedules

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if "://" in source:
        path = download(source, download_dir or Path(results_dir) / "downloads" / "checkpoints",
                        sha256=sha256)
    else:
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"model {name}: checkpoint {source} not found")
        if sha256:
            digest = file_digest([path]) if path.is_file() else ""
            if path.is_file() and digest != sha256.lower():
                raise ValueError(f"model {name}: {source}: sha256 mismatch: expected {sha256}, "
                                 f"got {digest}")
    model = load_model(path, config_name, hparams)
    hp = model.config.hparams
    csv_path = out_dir / "metrics.csv"
    csv_path.unlink(missing_ok=True)
    tracker = tracking.RunTracker(
        experiment=config_name, run_name=name, csv_path=csv_path,
        tracking_uri=options.tracking_uri, results_dir=results_dir,
        tags={"serenade.model": name, "serenade.kind": "import", **options.extra_tags})
    tracker.start()
    step = int(getattr(model, "global_step", 0) or 0)
    tracker.log_params({**hp.values(), "config": config_name, "source": source,
                        "source_sha256": file_digest([path]) if Path(path).is_file() else "",
                        "git_commit": git_commit(), "global_step": step})
    records = dataset.read_serialized(eval_paths)
    windows = dataset.eval_windows(records, model.config.converter, max_windows=eval_max_windows)
    final: dict[str, float] = {}
    if len(windows):
        uses = schedules.uses_sampling(hp.sampling_schedule, hp.sampling_rate)
        final = evaluation.evaluate(
            model, windows, batch_size=128, free_bits=hp.free_bits,
            beta=float(schedules.kl_beta(step, hp.max_beta, hp.beta_rate)),
            loss_sampling_probability=1.0 if uses else 0.0)
        tracker.log_metrics({f"eval_{k}": v for k, v in final.items()}, step=step)
    else:
        LOG.warning("model %s: the eval split yields no windows for %s", name, config_name)
    model_dir = out_dir / "checkpoint"
    if model_dir.exists():
        shutil.rmtree(model_dir)
    save_model(model, model_dir, step=step)
    resolved = {"name": name, "config": config_name, "hparams": hp.to_string(),
                "checkpoint": {"source": source, "sha256": sha256}}
    (out_dir / "config.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False))
    (out_dir / "eval.json").write_text(json.dumps(final, indent=1, sort_keys=True) + "\n")
    for artifact in ("config.yaml", "eval.json"):
        tracker.log_artifact(out_dir / artifact)
    tracker.finish()
    return final
