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

from serenade.commands.options import add_setting_option
from serenade.config_schema import schema_at
from serenade.training.settings import TrainSettings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="magenta config name")
    add_setting_option(parser, "models.hparams", "--hparams", help="overrides in magenta's syntax")
    parser.add_argument("--train-data", "--train_data", nargs="+", required=True,
                        metavar="TFRECORD", help="NoteSequence TFRecords to train on")
    parser.add_argument("--eval-data", "--eval_data", nargs="+", required=True,
                        metavar="TFRECORD", help="NoteSequence TFRecords to evaluate on")
    parser.add_argument("--output", required=True, help="output folder")
    parser.add_argument("--name", default=None, help="model/run name (default: output folder name)")
    parser.add_argument("--steps", "--num_steps", type=int, required=True,
                        help=schema_at("models.train.steps")["description"])
    parser.add_argument("--batch-size", "--batch_size", type=int, default=None,
                        help="batch size (default: the config's hparams.batch_size)")
    train = "models.train"
    add_setting_option(parser, f"{train}.seed", "--seed", type=int)
    add_setting_option(parser, f"{train}.eval_every", "--eval-every", "--eval_every", type=int)
    add_setting_option(parser, f"{train}.checkpoint_every", "--checkpoint-every",
                       "--checkpoint_every", type=int)
    add_setting_option(parser, f"{train}.keep_checkpoints", "--keep-checkpoints",
                       "--checkpoints_to_keep", type=int)
    add_setting_option(parser, f"{train}.eval_max_windows", "--eval-max-windows",
                       "--eval_max_windows", type=int,
                       help="evaluate on at most this many eval windows (a fixed, seeded subset)")
    add_setting_option(parser, f"{train}.init_from", "--init-from", "--init_from",
                       help="magenta or Serenade checkpoint, or pretrained:NAME, to fine-tune "
                            "from (its schedules continue; docs/training.md)")
    add_setting_option(parser, f"{train}.scale_schedules", "--scale-schedules", "--scale_schedules",
                       help="scale beta_rate and sampling_rate to --steps (docs/training.md)")
    add_setting_option(parser, f"{train}.transpose", "--transpose",
                       help="the config's transposition augmentation; --no-transpose trains "
                            "without it (samples keep the training data's keys)")
    add_setting_option(parser, f"{train}.mixed_precision", "--mixed-precision", "--mixed_precision")
    parser.add_argument("--checkpoint-root", "--checkpoint_root", default="results/checkpoints")
    add_setting_option(parser, "tracking.uri", "--tracking-uri", "--tracking_uri",
                       help="MLflow URI (empty: $MLFLOW_TRACKING_URI or results/mlflow/mlflow.db)")
    parser.add_argument("--results-dir", "--results_dir", default="results",
                        help="folder of the default MLflow store")
    add_setting_option(parser, "tracking.log_every", "--log-every", "--log_every", type=int)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from serenade.training.job import JobPaths, RunOptions, train_model

    settings = TrainSettings.from_mapping(dict(  # a bad value: ConfigError, shown by serenade.cli
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
        RunOptions(tracking_uri=args.tracking_uri or None, log_every=args.log_every))
    summary = ", ".join(f"{key} {value:.4g}" for key, value in sorted(final.items()))
    print(f"trained {args.config} for {args.steps} steps -> {output}/checkpoint; eval: {summary}")
    return 0
