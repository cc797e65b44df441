"""Maintainers' tool: turn a finished `config/pretrain.yaml` run into the shipped model.

    .venv/bin/python tools/ship_pretrained.py RUN_DIR [--name serenade_mel_2bar]

RUN_DIR is the folder the pretrain workflow ran in. Writes
- src/serenade/pretrained/NAME/: the checkpoint stored as float16 (loaded back as float32) and
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


def export_metrics(run_dir: Path, model: str, target: Path) -> int:
    """The MLflow run's full metric history as step,timestamp,key,value rows."""
    from mlflow.tracking import MlflowClient

    from serenade.training.resume import RUN_ID_FILE

    run_ids = sorted((run_dir / "results" / "checkpoints").glob(f"{model}-*/{RUN_ID_FILE}"))
    if not run_ids:
        raise SystemExit(f"{run_dir}: no MLflow run id for {model}")
    run_id = run_ids[-1].read_text().strip()
    client = MlflowClient(f"sqlite:///{run_dir / 'results' / 'mlflow' / 'mlflow.db'}")
    run = client.get_run(run_id)
    rows = []
    for key in sorted(run.data.metrics):
        for metric in client.get_metric_history(run_id, key):
            rows.append((metric.step, metric.timestamp, key, metric.value))
    rows.sort()
    with open(target, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "timestamp", "key", "value"])
        writer.writerows(rows)
    return len(rows)


def training_files(manifest: Path, target: Path) -> int:
    """Every file the model trained on (train split, status ok), gzip CSV."""
    with open(manifest, newline="") as handle:
        rows = [(r["source"], r["path"], r["sha256"]) for r in csv.DictReader(handle)
                if r["status"] == "ok" and r["split"] == "train"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["source", "path", "sha256"])
    writer.writerows(sorted(rows))
    with gzip.GzipFile(target, "wb", mtime=0) as handle:  # mtime 0: same bytes every time
        handle.write(buffer.getvalue().encode())
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--name", default="serenade_mel_2bar")
    args = parser.parse_args()

    from serenade.models.checkpoint import load_model, save_model
    from serenade.models.pretrained import PRETRAINED_DIR

    source = args.run_dir / "results" / "models" / args.name
    model = load_model(source / "checkpoint")
    package = PRETRAINED_DIR / args.name
    if package.exists():
        shutil.rmtree(package)
    save_model(model, package, step=model.global_step, dtype="float16")
    count = training_files(args.run_dir / "results" / "data" / "manifest.csv",
                           package / "training-data.csv.gz")
    docs = ROOT / "docs" / "pretrained" / args.name
    docs.mkdir(parents=True, exist_ok=True)
    for name in ("eval.json", "config.yaml", "training-curve.png"):
        shutil.copyfile(source / name, docs / name)
    metrics = export_metrics(args.run_dir, args.name, docs / "metrics.csv")
    size = sum(p.stat().st_size for p in package.iterdir())
    print(f"{package}: step {model.global_step}, {size / 1e6:.1f} MB, {count} training files; "
          f"{docs}: {metrics} metric points")


if __name__ == "__main__":
    main()
