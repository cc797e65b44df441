"""A whole training (or import) job: data, placement, resume, tracking, evaluation, outputs.

Outputs in `out_dir` (the rule's declared outputs): `checkpoint/` (Serenade format, loadable by
every `serenade` command), `eval.json` (final evaluation), `config.yaml` (resolved config),
`metrics.csv`, `training-curve.png`. Resume state lives in `checkpoint_root/{name}-{key}/`.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import logging
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import yaml

from serenade import layout, tracking
from serenade.base.record_index import RecordIndex
from serenade.config_schema import schema_default
from serenade.errors import UserError
from serenade.models import bar_teacher
from serenade.models.checkpoint import decoder_weights, load_model, save_model
from serenade.models.configs import ModelConfig
from serenade.models.hparams import HParams
from serenade.models.pretrained import resolve
from serenade.sources.download import download
from serenade.tracking import file_digest
from serenade.training import curves, dataset, devices, resume, schedules
from serenade.training.progress import Progress
from serenade.training.prior_fit import fit_latent_prior
from serenade.training.settings import TrainSettings, resolve_config
from serenade.training.trainer import Trainer, Warmup
from serenade.training.window_kinds import EvalSet, window_kind

LOG = logging.getLogger("serenade.training")


class NonFiniteLossError(UserError, RuntimeError):
    """Training diverged: a loss went NaN or infinite. The run is marked FAILED and the model
    is neither exported nor registered."""


def _stop_if_not_finite(metrics: dict[str, float], name: str, step: int, what: str) -> None:
    """NonFiniteLossError when a loss of `metrics` is NaN or infinite at `step`."""
    bad = {k: v for k, v in metrics.items() if "loss" in k and not math.isfinite(v)}
    if bad:
        raise NonFiniteLossError(
            f"{name}: {what} {', '.join(f'{k} {v}' for k, v in bad.items())} at step {step}: "
            "training stopped, the model is not exported (resume checkpoints before this step "
            "are kept; a lower learning_rate or a smaller batch may help)")


@dataclass
class JobPaths:
    """Where a job reads and writes."""

    train: Sequence[str | Path]
    eval: Sequence[str | Path]
    out_dir: str | Path
    manifest: str | Path | None = None
    checkpoint_root: str | Path = layout.CHECKPOINTS
    results_dir: str | Path = layout.RESULTS


@dataclass
class RunOptions:
    """Run-only settings: they change how a job reports, never what it produces."""

    tracking_uri: str | None = None
    log_every: int = schema_default("tracking.log_every")
    extra_tags: dict[str, str] = field(default_factory=dict)


def installed_packages() -> str:
    """`pip freeze`-style list of the environment (from package metadata, no pip needed)."""
    lines = {f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
             if d.metadata["Name"]}
    return "\n".join(sorted(lines, key=str.lower)) + "\n"


def _data_hash(paths: JobPaths) -> str:
    """The manifest's hash when there is one (it lists every file's hash), else the splits'."""
    if paths.manifest and Path(paths.manifest).is_file():
        return file_digest([paths.manifest])
    return file_digest([*paths.train, *paths.eval])


def _interval_means(rows: list[dict[str, float]]) -> dict[str, float]:
    """Each metric's mean over the rows that have it (a warm-up's steps lack some)."""
    keys = dict.fromkeys(k for r in rows for k in r)
    return {k: float(np.mean([r[k] for r in rows if k in r])) for k in keys}


@dataclass(frozen=True)
class _Job:
    """One training job, resolved: what it trains, on which data, and its resume key."""

    name: str
    config_name: str
    model_config: ModelConfig
    settings: TrainSettings
    paths: JobPaths
    options: RunOptions
    data_sha256: str
    key: str

    @property
    def hparams(self) -> HParams:
        return self.model_config.hparams

    @property
    def batch_size(self) -> int:
        return int(self.model_config.hparams.batch_size)

    @property
    def out_dir(self) -> Path:
        return Path(self.paths.out_dir)


@dataclass(frozen=True)
class _TrainingData:
    """Serialized train sequences (indexed on disk) with the converter that windows them, and the
    eval arrays of the config's window kind (`window_kinds`)."""

    train_records: Sequence[bytes]
    train_converter: Any
    eval_set: EvalSet


def train_model(name: str, config_name: str, hparams: str, settings: TrainSettings,
                paths: JobPaths, options: RunOptions = RunOptions()) -> dict[str, float]:
    """Train (or resume training) one model; returns the final evaluation metrics."""
    job = _resolve_job(name, config_name, hparams, settings, paths, options)
    store = _open_resume_store(job)
    job.out_dir.mkdir(parents=True, exist_ok=True)
    placement = devices.select(precision=settings.precision)
    source = _fine_tune_source(job)
    offset = int(source.global_step) if source is not None else 0
    trainer = Trainer(job.model_config, placement, jit_compile=settings.jit_compile,
                      schedule_offset=offset)
    teacher = _bar_teacher(job, trainer)
    resuming = _restore_state(job, trainer, store,
                              lambda: _start_weights(job, trainer, source, teacher))
    _start_warmup(job, trainer, teacher)
    tracker = _start_tracking(job, store, resuming, placement, offset)
    _write_resolved_config(job, placement, store)
    data = _load_data(job)
    batches = _train_batches(job, trainer, data)
    loop = _TrainingLoop(job, trainer, tracker, store, data.eval_set)
    try:
        step = loop.run(batches)
        final = loop.evaluate(step)
        _stop_if_not_finite(final, job.name, step, "eval")
    except Exception:
        # A crash or a diverged run marks the run FAILED (a resumed job sets it RUNNING again);
        # SIGKILL cannot be caught, so a killed job's run stays RUNNING until its resume.
        tracker.finish("FAILED")
        raise
    loop.save(step)
    fit_latent_prior(trainer.model, data.train_records, seed=job.settings.seed, name=job.name)
    _export(job, trainer.model, step, final, tracker)
    store.mark_complete()
    tracker.finish()
    return final


def _resolve_job(name: str, config_name: str, hparams: str, settings: TrainSettings,
                 paths: JobPaths, options: RunOptions) -> _Job:
    """Resolve the model config and hash what the weights depend on into the resume key."""
    settings.validate()
    model_config = resolve_config(config_name, hparams, settings)
    data_sha = _data_hash(paths)
    key = resume.training_key({"config": config_name,
                               "hparams": model_config.hparams.to_string(),
                               "data": data_sha, **settings.key_values()})
    return _Job(name, config_name, model_config, settings, paths, options, data_sha, key)


def _open_resume_store(job: _Job) -> resume.ResumeStore:
    """The job's resume folder; a finished run's is emptied, so a rerun trains afresh."""
    store = resume.ResumeStore(Path(job.paths.checkpoint_root) / f"{job.name}-{job.key}",
                               keep=job.settings.keep_checkpoints)
    if store.is_complete():
        LOG.info("%s: a finished run exists in %s; this rerun starts a new one", job.name,
                 store.directory)
        store.clear()
    return store


def _fine_tune_source(job: _Job) -> Any | None:
    """The whole model `init_from` names (None without one, or when only its decoder is taken):
    its weights and its step count."""
    if not job.settings.init_from or job.settings.init_from_part != "all":
        return None
    return load_model(job.settings.init_from, job.config_name, job.hparams.to_string())


def _bar_teacher(job: _Job, trainer: Trainer) -> Any | None:
    """The 2-bar model `bar_teacher` names (None without one), checked against the model it
    teaches before any data is read."""
    if not job.settings.bar_teacher:
        return None
    with trainer.strategy.scope():
        teacher = load_model(job.settings.bar_teacher)
    bar_teacher.check_teacher(trainer.model, teacher)
    return teacher


def _start_weights(job: _Job, trainer: Trainer, source: Any | None, teacher: Any | None
                   ) -> dict[str, np.ndarray] | None:
    """The weights a new run starts from: the fine-tune source's, or the fresh model's with
    `init_from`'s decoder (`init_from_part: decoder`); with a `bar_teacher`, its decoder as the
    core decoder (and its encoder as the lowest encoder level, where it fits) on top of either
    (or of the fresh model). None to start from scratch."""
    weights = None
    if source is not None:
        weights = source.numpy_weights()
    elif job.settings.init_from and job.settings.init_from_part == "decoder":
        weights = decoder_weights(trainer.model, resolve(job.settings.init_from))
    if teacher is not None:
        weights = bar_teacher.taught_weights(trainer.model, teacher, weights)
        LOG.info("%s: the decoder of %s decodes every segment (the core decoder)%s", job.name,
                 job.settings.bar_teacher,
                 "; its encoder encodes every 2-bar unit (the lowest encoder level)"
                 if bar_teacher.teaches_encoder(trainer.model, teacher) else "")
    return weights


def _start_warmup(job: _Job, trainer: Trainer, teacher: Any | None) -> None:
    """The first `bar_code_steps` steps train on the teacher's bar codes (a resumed job
    still inside them goes on with them)."""
    steps = job.settings.bar_code_steps
    if teacher is None or trainer.step >= steps:
        return
    trainer.warmup = Warmup(functools.partial(bar_teacher.code_terms, trainer.model, teacher),
                            steps)
    LOG.info("%s: steps %d-%d teach the encoder and conductor the codes %s gives each bar; "
             "then the usual objective", job.name, trainer.step + 1, steps,
             job.settings.bar_teacher)


def _restore_state(job: _Job, trainer: Trainer, store: resume.ResumeStore,
                   start_weights: Callable[[], dict[str, np.ndarray] | None]) -> bool:
    """Resume from the newest resume checkpoint, else start from `start_weights()`
    (`_start_weights`, read only when not resuming) with a fresh optimizer, else from scratch;
    True when resuming."""
    restored = store.load_newest_readable()
    resume_step = restored[0] if restored is not None else None
    if restored is not None:
        step, weights, optimizer_state = restored
        trainer.set_model_weights(weights)
        trainer.set_optimizer_weights(optimizer_state)
        LOG.info("%s: resuming from step %d (%s)", job.name, step, store.path(step))
    elif (start := start_weights()) is not None:
        trainer.set_model_weights(start)
        offset = trainer.schedule_offset
        if job.settings.init_from_part == "decoder":
            LOG.info("%s: starting from the decoder of %s; encoder and latent layers freshly "
                     "initialised, schedules from step 0", job.name, job.settings.init_from)
        elif job.settings.init_from:
            LOG.info("%s: fine-tuning from %s (trained %d steps): fresh optimizer, schedules "
                     "continue from step %d", job.name, job.settings.init_from, offset, offset)
    if resume_step is not None and trainer.step != resume_step:
        raise RuntimeError(f"checkpoint {store.path(resume_step)} restored step {trainer.step}")
    return resume_step is not None


def _metrics_csv(store: resume.ResumeStore) -> Path:
    """The run's metrics CSV sits with its resume state, so a resumed job appends to it."""
    return store.directory / "metrics.csv"


def _start_tracking(job: _Job, store: resume.ResumeStore, resuming: bool,
                    placement: devices.Placement, offset: int) -> tracking.RunTracker:
    """Open the MLflow run (the resumed job's own run when resuming) and log the parameters of
    a new one."""
    csv_path = _metrics_csv(store)
    if not resuming:
        csv_path.unlink(missing_ok=True)
    tracker = tracking.RunTracker(
        experiment=job.config_name, run_name=job.name, csv_path=csv_path,
        tracking_uri=job.options.tracking_uri, results_dir=job.paths.results_dir,
        run_id=store.read_run_id() if resuming else None,
        tags={"serenade.model": job.name, "serenade.kind": "train", **job.options.extra_tags},
        source_name="serenade train")
    tracker.start()
    store.write_run_id(tracker.run_id)
    if not tracker.resumed:
        if job.paths.manifest and Path(job.paths.manifest).is_file():
            name, counts = tracking.manifest_summary(job.paths.manifest)
            tracker.log_dataset(job.paths.manifest, job.data_sha256, name=name, profile=counts,
                                context="training")
        settings = job.settings
        tracker.log_params({
            **job.hparams.values(), **{f"train.{k}": v for k, v in settings.as_dict().items()},
            "schedule_offset": offset, "config": job.config_name, "seed": settings.seed,
            "manifest_sha256": job.data_sha256, "git_commit": tracking.git_commit(),
            "training_key": job.key, "devices": placement.replicas,
            "precision_policy": placement.precision.policy,
            "precision_reason": placement.precision.reason})
    return tracker


def _write_resolved_config(job: _Job, placement: devices.Placement,
                           store: resume.ResumeStore) -> None:
    """config.yaml: everything the job resolved, to read back what a model was trained with;
    in the model folder and beside the resume state (`resume.CONFIG_FILE`)."""
    resolved = {
        "name": job.name, "config": job.config_name, "hparams": job.hparams.to_string(),
        "train": job.settings.as_dict(), "training_key": job.key,
        "data_sha256": job.data_sha256, "train_files": [str(p) for p in job.paths.train],
        "eval_files": [str(p) for p in job.paths.eval], "placement": placement.description,
    }
    text = yaml.safe_dump(resolved, sort_keys=False)
    (job.out_dir / "config.yaml").write_text(text)
    store.directory.mkdir(parents=True, exist_ok=True)
    (store.directory / resume.CONFIG_FILE).write_text(text)


def _load_data(job: _Job) -> _TrainingData:
    """Index both splits (the records stay on disk); the train split must yield windows, the
    eval split may not (warned). Eval windows are converted once, capped while streaming."""
    settings, paths = job.settings, job.paths
    train_records = RecordIndex.scan(paths.train)
    converter = settings.training_converter(job.model_config.converter)
    dataset.require_windows(train_records, converter, ", ".join(str(p) for p in paths.train))
    eval_records = RecordIndex.scan(paths.eval)
    eval_set = window_kind(job.model_config.converter).eval_set(
        eval_records, max_windows=settings.eval_max_windows, seed=settings.seed)
    LOG.info("%s: %d train sequences, %d eval sequences -> %d eval windows", job.name,
             len(train_records), len(eval_records), len(eval_set))
    if len(eval_set) == 0:
        LOG.warning("%s: the eval split yields no windows for %s: no evaluation", job.name,
                    job.config_name)
    return _TrainingData(train_records, converter, eval_set)


def _train_batches(job: _Job, trainer: Trainer, data: _TrainingData) -> Iterator[Any]:
    """Batches from the trainer's step on: a resumed job continues the same draws."""
    stream = trainer.distribute(dataset.training_dataset(
        data.train_records, data.train_converter, batch_size=job.batch_size,
        seed=job.settings.seed, start_step=trainer.step))
    return iter(stream)


class _TrainingLoop:
    """Train steps up to `settings.steps`, logging, evaluating and saving resume checkpoints at
    their cadences."""

    def __init__(self, job: _Job, trainer: Trainer, tracker: tracking.RunTracker,
                 store: resume.ResumeStore, eval_set: EvalSet):
        self.job = job
        self.trainer = trainer
        self.tracker = tracker
        self.store = store
        self.eval_set = eval_set
        self.kind = window_kind(job.model_config.converter)

    def evaluate(self, step: int) -> dict[str, float]:
        """Evaluate and track the metrics ({} when the eval split has no windows)."""
        if len(self.eval_set) == 0:
            return {}
        trainer, hp = self.trainer, self.job.hparams
        beta = float(trainer.schedule_values(max(step - 1, 0))["beta"])
        metrics = self.kind.evaluate(trainer.model, self.eval_set,
                                     batch_size=max(self.job.batch_size, 64), beta=beta,
                                     free_bits=hp.free_bits,
                                     loss_sampling_probability=trainer.eval_sampling_probability)
        self.tracker.log_metrics({f"eval_{k}": v for k, v in metrics.items()}, step=step)
        LOG.info("%s: eval at step %d: %s", self.job.name, step,
                 ", ".join(f"{k} {v:.4g}" for k, v in metrics.items()))
        return metrics

    def save(self, step: int) -> None:
        self.store.save(step, self.trainer.model_weights(), self.trainer.optimizer_weights())

    def run(self, batches: Iterator[Any]) -> int:
        """Train to the last step; returns it. The last step's evaluation and save are the
        caller's, so they happen once."""
        settings, options = self.job.settings, self.job.options
        step = self.trainer.step
        progress = Progress(settings.steps, step, self.job.batch_size)
        interval: list[dict[str, float]] = []  # metrics of the steps since the last log
        compiled = False
        while step < settings.steps:
            metrics = self.trainer.train_step(next(batches))
            step += 1
            _stop_if_not_finite(metrics, self.job.name, step, "training")
            interval.append(metrics)
            if not compiled:
                compiled = True
                progress.restart_clock(step)  # the first step includes tracing
                interval.clear()
                LOG.info("%s: first step done (graph traced); training to step %d",
                         self.job.name, settings.steps)
                continue
            if step % options.log_every == 0 or step == settings.steps:
                means = _interval_means(interval)
                interval.clear()
                _, rate = progress.report(step, means)
                self.tracker.log_metrics({**means, "examples_per_sec": rate}, step=step)
            if step % settings.eval_every == 0 and step != settings.steps:
                self.evaluate(step)
                progress.restart_clock(step)
            if step % settings.checkpoint_every == 0 and step != settings.steps:
                self.save(step)
        return step


def _export(job: _Job, model: Any, step: int, final: dict[str, float],
            tracker: tracking.RunTracker) -> None:
    """The rule's outputs: the Serenade checkpoint, eval.json, metrics, curve, environment."""
    model_dir = _save_model_dir(model, job.out_dir, step)
    _write_outputs(job.out_dir, final, tracker.csv.path, job.name, tracker)
    tracker.log_artifact(model_dir, "checkpoint")
    _log_model(tracker, model_dir, job.name, model)


def _log_model(tracker: tracking.RunTracker, model_dir: Path, name: str, model: Any) -> None:
    """Log and register the MLflow model, for the window kinds it serves (the checkpoint is a
    run artifact either way)."""
    if window_kind(model.config.converter).mlflow_model:
        tracker.log_model(model_dir, registered_name=name, chords=model.config.takes_chords)
    else:
        LOG.info("%s: no MLflow model logged: its requests and answers are class windows, and "
                 "%s has float (GrooVAE) windows", name, model.config.name)


def _save_model_dir(model: Any, out_dir: Path, step: int) -> Path:
    """`out_dir/checkpoint/` in Serenade format, replacing an earlier one."""
    model_dir = out_dir / "checkpoint"
    if model_dir.exists():
        shutil.rmtree(model_dir)
    save_model(model, model_dir, step=step)
    return model_dir


def _write_outputs(out_dir: Path, final: dict[str, float], csv_path: Path, name: str,
                   tracker: tracking.RunTracker) -> None:
    """eval.json, metrics.csv, the environment and the training curve, each also tracked."""
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
                 results_dir: str | Path = layout.RESULTS,
                 eval_max_windows: int | None = schema_default("models.train.eval_max_windows"),
                 options: RunOptions = RunOptions(), download_dir: str | Path | None = None
                 ) -> dict[str, float]:
    """Bring a magenta or Serenade checkpoint in (path or URL), evaluate it, track it."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = _fetch_checkpoint(name, source, sha256,
                             download_dir or layout.downloaded_checkpoints(results_dir))
    model = load_model(path, config_name, hparams)
    hp = model.config.hparams
    csv_path = out_dir / "metrics.csv"
    csv_path.unlink(missing_ok=True)
    tracker = tracking.RunTracker(
        experiment=config_name, run_name=name, csv_path=csv_path,
        tracking_uri=options.tracking_uri, results_dir=results_dir,
        tags={"serenade.model": name, "serenade.kind": "import", **options.extra_tags},
        source_name="serenade import")
    tracker.start()
    step = int(getattr(model, "global_step", 0) or 0)
    tracker.log_params({**hp.values(), "config": config_name, "source": source,
                        "source_sha256": file_digest([path]) if Path(path).is_file() else "",
                        "git_commit": tracking.git_commit(), "global_step": step})
    records = RecordIndex.scan(eval_paths)
    kind = window_kind(model.config.converter)
    eval_set = kind.eval_set(records, max_windows=eval_max_windows, seed=0)
    if eval_paths:
        tracker.log_dataset(Path(eval_paths[0]).parent, file_digest(eval_paths), name="eval split",
                            profile={"sequences": len(records), "windows": len(eval_set)},
                            context="evaluation")
    final: dict[str, float] = {}
    if len(eval_set):
        uses = schedules.uses_sampling(hp.sampling_schedule, hp.sampling_rate)
        final = kind.evaluate(
            model, eval_set, batch_size=128, free_bits=hp.free_bits,
            beta=float(schedules.kl_beta(step, hp.max_beta, hp.beta_rate)),
            loss_sampling_probability=1.0 if uses else 0.0)
        tracker.log_metrics({f"eval_{k}": v for k, v in final.items()}, step=step)
    else:
        LOG.warning("model %s: the eval split yields no windows for %s", name, config_name)
    model_dir = _save_model_dir(model, out_dir, step)
    _log_model(tracker, model_dir, name, model)
    resolved = {"name": name, "config": config_name, "hparams": hp.to_string(),
                "checkpoint": {"source": source, "sha256": sha256}}
    (out_dir / "config.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False))
    (out_dir / "eval.json").write_text(json.dumps(final, indent=1, sort_keys=True) + "\n")
    for artifact in ("config.yaml", "eval.json"):
        tracker.log_artifact(out_dir / artifact)
    tracker.finish()
    return final


def _fetch_checkpoint(name: str, source: str, sha256: str, download_dir: str | Path) -> Path:
    """A local path of `source`: downloaded (and verified) when a URL; a local file is checked
    against `sha256` when one is given."""
    if "://" in source:
        return download(source, download_dir, sha256=sha256)
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"model {name}: checkpoint {source} not found")
    if sha256 and path.is_file():
        digest = file_digest([path])
        if digest != sha256.lower():
            raise ValueError(f"model {name}: {source}: sha256 mismatch: expected {sha256}, "
                             f"got {digest}")
    return path
