"""Maintainers' tool: turn a finished `config/pretrain.yaml` run into the shipped model.

    .venv/bin/python tools/ship_pretrained.py RUN_DIR [--name serenade_mel_2bar]

RUN_DIR is the folder the pretrain workflow ran in. A pretraining segment stopped before its last
step (the end of a working session) ships with `--from-resume`: the newest readable resume
checkpoint of the run, its metric history and a curve drawn from it (no eval.json: measure the
shipped model with `serenade quality`). A segment that continued the shipped model (`init_from`)
ships with the model's whole step count and the metric history of every segment. Writes
- src/serenade/pretrained/NAME/: the checkpoint stored as float16 (loaded back as float32), with
  the sampling prior fitted to the run's train split (`serenade.models.latent_prior`), and
  training-data.csv.gz (source, path, sha256 of every file it trained on, from the manifest);
- docs/pretrained/NAME/: eval.json, config.yaml, the MLflow run's metric history exported to
  metrics.csv, and the training curve, for the model card (docs/pretrained.md).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _newest_run_id(run_dir: Path, model: str) -> str:
    """The MLflow run of the model's newest run (its id sits in the resume folder)."""
    from serenade.training.resume import RUN_ID_FILE

    path = newest_run(run_dir, model) / RUN_ID_FILE
    if not path.exists():
        raise SystemExit(f"{run_dir}: no MLflow run id for {model}")
    return path.read_text().strip()


def _client(run_dir: Path):
    from mlflow.tracking import MlflowClient

    return MlflowClient(f"sqlite:///{run_dir / 'results' / 'mlflow' / 'mlflow.db'}")


def schedule_offset(run_dir: Path, model: str) -> int:
    """Steps the run's starting weights had already trained (a segment continuing the last)."""
    params = _client(run_dir).get_run(_newest_run_id(run_dir, model)).data.params
    return int(params.get("schedule_offset", 0) or 0)


def export_metrics(run_dir: Path, model: str, target: Path, offset: int = 0) -> int:
    """The MLflow run's full metric history as step,timestamp,key,value rows, its steps shifted
    by `offset`; a continuing segment (offset > 0) keeps the rows of the segments before it."""
    client = _client(run_dir)
    run_id = _newest_run_id(run_dir, model)
    rows = []
    if offset and target.exists():
        with open(target, newline="") as handle:
            rows = [(int(r["step"]), int(r["timestamp"]), r["key"], float(r["value"]))
                    for r in csv.DictReader(handle) if int(r["step"]) <= offset]
    for key in sorted(client.get_run(run_id).data.metrics):
        for metric in client.get_metric_history(run_id, key):
            rows.append((metric.step + offset, metric.timestamp, key, metric.value))
    rows.sort()
    with open(target, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "timestamp", "key", "value"])
        writer.writerows(rows)
    return len(rows)


def read_training_files(path: Path) -> set[tuple[str, str, str]]:
    """The (source, path, sha256) rows of a shipped training-data.csv.gz."""
    with gzip.open(path, "rt", newline="") as handle:
        return {(r["source"], r["path"], r["sha256"]) for r in csv.DictReader(handle)}


def training_files(manifest: Path, target: Path,
                   earlier: set[tuple[str, str, str]] = frozenset()) -> int:
    """Every file the model trained on (train split, status ok), gzip CSV, with the `earlier`
    segments' files."""
    with open(manifest, newline="") as handle:
        rows = {(r["source"], r["path"], r["sha256"]) for r in csv.DictReader(handle)
                if r["status"] == "ok" and r["split"] == "train"} | set(earlier)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["source", "path", "sha256"])
    writer.writerows(sorted(rows))
    with gzip.GzipFile(target, "wb", mtime=0) as handle:  # mtime 0: same bytes every time
        handle.write(buffer.getvalue().encode())
    return len(rows)


def newest_run(run_dir: Path, model: str) -> Path:
    """The resume folder (results/checkpoints/MODEL-KEY) of the model's newest run."""
    folders = sorted((run_dir / "results" / "checkpoints").glob(f"{model}-*"),
                     key=lambda p: p.stat().st_mtime)
    if not folders:
        raise SystemExit(f"{run_dir}: no resume folder for {model}")
    return folders[-1]


def resolved_config(run_dir: Path, name: str) -> Path:
    """The run's config.yaml: the model folder's, or, when Snakemake removed that folder with a
    stopped job, the copy beside the resume state."""
    from serenade.training.resume import CONFIG_FILE

    for path in (run_dir / "results" / "models" / name / "config.yaml",
                 newest_run(run_dir, name) / CONFIG_FILE):
        if path.exists():
            return path
    raise SystemExit(f"{run_dir}: no config.yaml for {name} (neither in results/models/{name}/ "
                     f"nor beside its resume state)")


def from_resume(run_dir: Path, name: str, offset: int = 0):
    """The model of the newest readable resume checkpoint, built as the run's config.yaml says;
    its step counts the `offset` steps its starting weights had trained."""
    import yaml

    from serenade.models.configs import get_config
    from serenade.models.vae import MusicVAE
    from serenade.training.resume import ResumeStore

    resolved = yaml.safe_load(resolved_config(run_dir, name).read_text())
    loaded = ResumeStore(newest_run(run_dir, name)).load_newest_readable()
    if loaded is None:
        raise SystemExit(f"{run_dir}: no readable resume checkpoint for {name}")
    step, weights, _ = loaded
    model = MusicVAE(get_config(resolved["config"], resolved["hparams"]))
    model.build()
    model.assign_magenta_weights(weights, "resume checkpoint")
    model.global_step = offset + step
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--name", default="serenade_mel_2bar")
    parser.add_argument("--from-resume", action="store_true",
                        help="ship the newest resume checkpoint of an unfinished run")
    args = parser.parse_args()

    from serenade.base.record_index import RecordIndex
    from serenade.models.checkpoint import load_model, save_model
    from serenade.models.pretrained import PRETRAINED_DIR
    from serenade.training.prior_fit import fit_latent_prior

    source = args.run_dir / "results" / "models" / args.name
    offset = schedule_offset(args.run_dir, args.name)
    if args.from_resume:
        model = from_resume(args.run_dir, args.name, offset)
        # a finished job fits the sampling prior itself; a resume checkpoint has none yet
        fit_latent_prior(model, RecordIndex.scan(sorted(
            (args.run_dir / "results" / "data" / "notesequences").glob("train-*.tfrecord"))),
            name=args.name)
    else:
        model = load_model(source / "checkpoint")
        model.global_step = offset + int(model.global_step)  # the job saves its own steps
    package = PRETRAINED_DIR / args.name
    shipped_files = package / "training-data.csv.gz"
    earlier = read_training_files(shipped_files) if offset and shipped_files.exists() else set()
    if package.exists():
        shutil.rmtree(package)
    save_model(model, package, step=model.global_step, dtype="float16")
    count = training_files(args.run_dir / "results" / "data" / "manifest.csv", shipped_files,
                           earlier)
    docs = ROOT / "docs" / "pretrained" / args.name
    docs.mkdir(parents=True, exist_ok=True)
    if args.from_resume:
        shutil.copyfile(resolved_config(args.run_dir, args.name), docs / "config.yaml")
    else:
        for name in ("eval.json", "config.yaml", "training-curve.png"):
            shutil.copyfile(source / name, docs / name)
    metrics = export_metrics(args.run_dir, args.name, docs / "metrics.csv", offset)
    if args.from_resume or offset:
        from serenade.training.curves import plot_training_curves

        # every segment's history, on the model's own step count
        plot_training_curves(docs / "metrics.csv", docs / "training-curve.png",
                             title=f"{args.name} (step {model.global_step})")
    size = sum(p.stat().st_size for p in package.iterdir())
    print(f"{package}: step {model.global_step}, {size / 1e6:.1f} MB, {count} training files; "
          f"{docs}: {metrics} metric points")


if __name__ == "__main__":
    main()
