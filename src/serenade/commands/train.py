"""Train a MusicVAE on NoteSequence TFRecords (what the workflow's train_model rule runs).

    serenade train --config cat-mel_2bar_small --train-data train-*.tfrecord \
        --eval-data eval-*.tfrecord --output results/models/mine --steps 2000 --batch-size 64

Writes OUTPUT/checkpoint (Serenade format), eval.json, config.yaml, metrics.csv and
training-curve.png; resume checkpoints go to --checkpoint-root. Running the same command
again after an interruption resumes from the newest checkpoint. See docs/training.md.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from serenade.training.settings import TrainSettings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="magenta config name")
    parser.add_argument("--hparams", default="", help="overrides in magenta's syntax")
    parser.add_argument("--train-data", "--train_data", nargs="+", required=True,
                        metavar="TFRECORD", help="NoteSequence TFRecords to train on")
    parser.add_argument("--eval-data", "--eval_data", nargs="+", required=True,
                        metavar="TFRECORD", help="NoteSequence TFRecords to evaluate on")
    parser.add_argument("--output", required=True, help="output folder")
    parser.add_argument("--name", default=None, help="model/run name (default: output folder name)")
    parser.add_argument("--steps", "--num_steps", type=int, required=True)
    parser.add_argument("--batch-size", "--batch_size", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-every", "--eval_every", type=int, default=500)
    parser.add_argument("--checkpoint-every", "--checkpoint_every", type=int, default=250)
    parser.add_argument("--keep-checkpoints", "--checkpoints_to_keep", type=int, default=3)
    parser.add_argument("--eval-max-windows", "--eval_max_windows", type=int, default=2048)
    parser.add_argument("--init-from", "--init_from", default=None,
                        help="magenta or Serenade checkpoint, or pretrained:NAME, to fine-tune "
                             "from (its schedules continue; docs/training.md)")
    parser.add_argument("--scale-schedules", "--scale_schedules", action="store_true",
                        help="scale beta_rate and sampling_rate to --steps (docs/training.md)")
    parser.add_argument("--no-transpose", dest="transpose", action="store_false",
                        help="train without the config's transposition augmentation (samples "
                             "keep the training data's keys)")
    parser.add_argument("--mixed-precision", "--mixed_precision", action="store_true")
    parser.add_argument("--checkpoint-root", "--checkpoint_root", default="results/checkpoints")
    parser.add_argument("--tracking-uri", "--tracking_uri", default=None,
                        help="MLflow URI (default: $MLFLOW_TRACKING_URI or results/mlflow/mlflow.db)")
    parser.add_argument("--results-dir", "--results_dir", default="results",
                        help="folder of the default MLflow store")
    parser.add_argument("--log-every", "--log_every", type=int, default=50)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from serenade.training.job import JobPaths, RunOptions, train_model

    settings = TrainSettings.from_mapping(dict(  # a bad value: one line from serenade.cli
        steps=args.steps, batch_size=args.batch_size, seed=args.seed,
        eval_every=args.eval_every, checkpoint_every=args.checkpoint_every,
        keep_checkpoints=args.keep_checkpoints, eval_max_windows=args.eval_max_windows,
        init_from=args.init_from, scale_schedules=args.scale_schedules,
        transpose=args.transpose, mixed_precision=args.mixed_precision))
    output = Path(args.output)
    final = train_model(
        args.name or output.name, args.config, args.hparams, settings,
        JobPaths(train=args.train_data, eval=args.eval_data, out_dir=output,
                 checkpoint_root=args.checkpoint_root, results_dir=args.results_dir),
        RunOptions(tracking_uri=args.tracking_uri, log_every=args.log_every))
    summary = ", ".join(f"{key} {value:.4g}" for key, value in sorted(final.items()))
    print(f"trained {args.config} for {args.steps} steps -> {output}/checkpoint; eval: {summary}")
    return 0
