"""Re-send metrics an MLflow server missed, from the `metrics.csv` every job writes.

A job that loses its tracking server goes on and keeps every metric in its CSV
(`serenade.tracking.RunTracker`). Once the server is back, this puts the missing
points into the run: only (key, step) pairs the run does not have yet, with their original
timestamps, so running it twice adds nothing. Without a run id (the server was down when the
job started, so no run exists) it creates one in the named experiment.

    python -m serenade.training.resend results/checkpoints/mel_2bar-1a2b3c4d/metrics.csv \\
        --uri http://head-node:5000            # run id from mlflow_run_id.txt beside the CSV
    python -m serenade.training.resend results/models/mel_2bar/metrics.csv \\
        --uri http://head-node:5000 --experiment cat-mel_2bar_small --run-name mel_2bar
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from serenade.training.resume import RUN_ID_FILE

_BATCH = 1000  # MLflow's log_batch limit on metrics per call


def resend_metrics(csv_path: str | Path, tracking_uri: str, run_id: str | None = None, *,
                   experiment: str | None = None, run_name: str | None = None,
                   tags: dict[str, str] | None = None) -> tuple[str, int]:
    """Log the CSV's points the run lacks; returns (run id, points sent). Without `run_id`,
    a new run in `experiment` is created (tagged `serenade.resent`)."""
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    if run_id is None:
        if not experiment:
            raise ValueError("no run id: name the experiment to create a run in")
        found = client.get_experiment_by_name(experiment)
        experiment_id = found.experiment_id if found else client.create_experiment(experiment)
        run_id = client.create_run(experiment_id, run_name=run_name,
                                   tags={**(tags or {}), "serenade.resent": str(csv_path)}
                                   ).info.run_id
    have: dict[str, set[int]] = {}
    missing = []
    with open(csv_path, newline="") as handle:
        for row in csv.DictReader(handle):
            key, step = row["key"], int(row["step"])
            if key not in have:
                have[key] = {m.step for m in client.get_metric_history(run_id, key)}
            if step in have[key]:
                continue
            have[key].add(step)
            missing.append(Metric(key, float(row["value"]),
                                  int(float(row["timestamp"]) * 1000), step))
    for start in range(0, len(missing), _BATCH):
        client.log_batch(run_id, metrics=missing[start:start + _BATCH])
    return run_id, len(missing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serenade.training.resend",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="a metrics.csv written by a job")
    parser.add_argument("--uri", required=True, help="the MLflow server (tracking URI)")
    parser.add_argument("--run-id", help=f"the run to complete (default: {RUN_ID_FILE} beside "
                        "the CSV, else a new run)")
    parser.add_argument("--experiment", help="experiment of a new run (the model's config name)")
    parser.add_argument("--run-name", help="name of a new run (the model's name)")
    parser.add_argument("--kind", default="train", choices=("train", "import", "generate"),
                        help="serenade.kind tag of a new run (train: the model's run, which "
                        "generation runs are nested under)")
    args = parser.parse_args(argv)
    run_id = args.run_id
    id_file = args.csv.with_name(RUN_ID_FILE)
    if run_id is None and id_file.exists():
        run_id = id_file.read_text().strip() or None
    tags = {"serenade.kind": args.kind}
    if args.run_name:
        tags["serenade.model"] = args.run_name
    run_id, sent = resend_metrics(args.csv, args.uri, run_id, experiment=args.experiment,
                                  run_name=args.run_name, tags=tags)
    print(f"{sent} metric points sent to run {run_id} at {args.uri}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
