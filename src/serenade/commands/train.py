"""Train a MusicVAE (or a GrooVAE: docs/training.md) on NoteSequence TFRecords (what the
workflow's train_model rule runs).

    serenade train --config cat-mel_2bar_small --train-data train-*.tfrecord \
        --eval-data eval-*.tfrecord --output results/models/mine --steps 2000 --batch-size 64

Writes OUTPUT/checkpoint (Serenade format), eval.json, config.yaml, metrics.csv and
training-curve.png; resume checkpoints go to --checkpoint-root. Running the same command
again after an interruption resumes from the newest checkpoint. See docs/training.md.

magenta's music_vae_train flags work too:

    serenade train --config cat-mel_2bar_small --run_dir /tmp/run --mode train \
        --examples_path 'data/train-*.tfrecord' --num_steps 2000
    serenade train --config cat-mel_2bar_small --run_dir /tmp/run --mode eval \
        --examples_path 'data/eval-*.tfrecord'

--run_dir puts the model in RUN_DIR/train (what `serenade sample --run_dir` reads) and the
resume checkpoints in RUN_DIR/checkpoints; --mode eval evaluates RUN_DIR/train's model on
--examples_path into RUN_DIR/eval. Without --eval-data, training evaluates on its own data.
"""

from __future__ import annotations

import argparse
import glob
import logging
from pathlib import Path

from serenade import layout
from serenade.commands.options import (LOG_FORMAT, add_config_option, add_log_option,
                                       add_setting_option, int_at_least)
from serenade.config_schema import schema_at, schema_default
from serenade.errors import UserError
from serenade.models.configs import get_config
from serenade.models.footprint import check_training_fits
from serenade.training.settings import TrainSettings


def configure(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser, "magenta config name, e.g. cat-mel_2bar_small or "
                              "groovae_2bar_humanize", groove=True)
    add_log_option(parser)
    add_setting_option(parser, "models.hparams", "--hparams", help="overrides in magenta's syntax")
    parser.add_argument("--train-data", "--train_data", "--examples_path", dest="train_data",
                        nargs="+", metavar="TFRECORD",
                        help="NoteSequence TFRecords to train on (globs are expanded); with "
                             "--mode eval, to evaluate on")
    parser.add_argument("--eval-data", "--eval_data", nargs="+", default=None,
                        metavar="TFRECORD", help="NoteSequence TFRecords to evaluate on "
                                                 "(default: the training data)")
    parser.add_argument("--output", default=None, help="output folder (or --run_dir)")
    parser.add_argument("--run-dir", "--run_dir", dest="run_dir", default=None,
                        help="magenta's run folder: the model goes to RUN_DIR/train")
    parser.add_argument("--mode", choices=("train", "eval"), default="train",
                        help="train, or evaluate the model of --run_dir (magenta's --mode)")
    parser.add_argument("--name", default=None, help="model/run name (default: output folder name)")
    parser.add_argument("--steps", "--num_steps", type=int, default=None,
                        help=schema_at("models.train.steps")["description"])
    parser.add_argument("--batch-size", "--batch_size", type=int_at_least(1), default=None,
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
    add_setting_option(parser, f"{train}.init_from_part", "--init-from-part",
                       help="all of --init-from's weights, or its decoder only (another "
                            "encoder; docs/training.md)")
    add_setting_option(parser, f"{train}.bar_teacher", "--bar-teacher",
                       help="a 2-bar model whose decoder decodes every bar of this "
                            "hierarchical model (docs/training.md)")
    add_setting_option(parser, f"{train}.bar_code_steps", "--bar-code-steps", type=int,
                       help="with --bar-teacher: warm-up steps that teach the conductor the "
                            "2-bar model's code of each bar (docs/training.md)")
    add_setting_option(parser, f"{train}.scale_schedules", "--scale-schedules", "--scale_schedules",
                       help="scale beta_rate and sampling_rate to --steps (docs/training.md)")
    parser.add_argument("--transpose", nargs="?", const=True, default=schema_default(
        f"{train}.transpose"), type=transpose_range, metavar="LOW,HIGH",
        help="transposition augmentation: alone, the config's own (the default); "
             "--transpose=-5,5 a random shift in -5..5 semitones (any melody, chord or "
             "multiperf config)")
    parser.add_argument("--no-transpose", dest="transpose", action="store_const", const=False,
                        help="train without transposition (samples keep the training data's "
                             "keys)")
    add_setting_option(parser, f"{train}.precision", "--precision")
    parser.add_argument("--checkpoint-root", "--checkpoint_root", default=layout.CHECKPOINTS,
                        help=f"folder of the resume checkpoints (default {layout.CHECKPOINTS})")
    add_setting_option(parser, "tracking.uri", "--tracking-uri", "--tracking_uri",
                       help="MLflow URI (empty: $MLFLOW_TRACKING_URI or "
                            f"{layout.mlflow_store()}/mlflow.db)")
    parser.add_argument("--results-dir", "--results_dir", default=layout.RESULTS,
                        help="folder of the default MLflow store")
    add_setting_option(parser, "tracking.log_every", "--log-every", "--log_every", type=int)
    parser.set_defaults(_check=check_flags)


def transpose_range(text: str) -> list[int]:
    """An argparse type: LOW,HIGH semitones, LOW <= HIGH."""
    try:
        low, high = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LOW,HIGH (e.g. -5,5)") from None
    if low > high:
        raise argparse.ArgumentTypeError(f"{text!r}: LOW is above HIGH")
    return [low, high]


def check_flags(args: argparse.Namespace) -> None:
    """--hparams and --batch-size under --config, and whether training them fits this machine's
    memory (`serenade.models.footprint`), before TensorFlow is imported or a file is read."""
    hparams = args.hparams
    try:
        config = get_config(args.config, hparams)
    except ValueError as error:
        raise UserError(f"--hparams {hparams!r}: {error}") from None
    if args.mode == "train":
        try:
            check_training_fits(config, args.batch_size)
        except ValueError as error:
            flags = f"--hparams {hparams!r}" + (f" --batch-size {args.batch_size}"
                                                 if args.batch_size else "")
            raise UserError(f"{flags}: {error}") from None


def _expanded(patterns: list[str] | None, flag: str) -> list[str]:
    """Files of `patterns` (globs expanded, as magenta's --examples_path); a pattern that
    matches nothing is a FileNotFoundError naming the flag."""
    files = []
    for pattern in patterns or []:
        found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not found or not all(Path(f).is_file() for f in found):
            raise FileNotFoundError(2, f"{flag}: no such file", pattern)
        files += found
    return files


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)  # unless --log set it
    from serenade.training.job import JobPaths, RunOptions, import_model, train_model

    if not args.train_data:
        raise UserError("give the data: --train-data (or magenta's --examples_path)")
    if args.run_dir is None and args.output is None:
        raise UserError("give --output (or magenta's --run_dir)")
    run_dir = Path(args.run_dir) if args.run_dir else None
    output = Path(args.output) if args.output else run_dir / "train"
    checkpoint_root = args.checkpoint_root if run_dir is None else str(run_dir / "checkpoints")
    options = RunOptions(tracking_uri=args.tracking_uri or None, log_every=args.log_every)
    if args.mode == "eval":
        data = _expanded(args.train_data, "--train-data")
        model_dir = output / "checkpoint"
        if not model_dir.is_dir():
            raise UserError(f"--mode eval: no trained model in {model_dir} (train first)")
        final = import_model(f"{args.name or output.parent.name}-eval", args.config, args.hparams,
                             str(model_dir), data, output.parent / "eval",
                             results_dir=args.results_dir,
                             eval_max_windows=args.eval_max_windows, options=options)
        summary = ", ".join(f"{key} {value:.4g}" for key, value in sorted(final.items()))
        print(f"evaluated {model_dir} on {len(data)} file(s) -> {output.parent / 'eval'}: "
              f"{summary}")
        return 0
    if args.steps is None:
        raise UserError("give --steps (or magenta's --num_steps)")
    settings = TrainSettings.from_mapping(dict(  # a bad value: ConfigError, shown by serenade.cli
        steps=args.steps, batch_size=args.batch_size, seed=args.seed,
        eval_every=args.eval_every, checkpoint_every=args.checkpoint_every,
        keep_checkpoints=args.keep_checkpoints, eval_max_windows=args.eval_max_windows,
        init_from=args.init_from, init_from_part=args.init_from_part,
        bar_teacher=args.bar_teacher, bar_code_steps=args.bar_code_steps, scale_schedules=args.scale_schedules,
        transpose=args.transpose, precision=args.precision))
    data = _expanded(args.train_data, "--train-data")
    eval_data = _expanded(args.eval_data, "--eval-data") if args.eval_data else data
    if not args.eval_data:
        logging.getLogger(__name__).warning("no --eval-data: evaluating on the training data")
    name = args.name or (run_dir.name if run_dir else output.name)
    final = train_model(
        name, args.config, args.hparams, settings,
        JobPaths(train=data, eval=eval_data, out_dir=output, checkpoint_root=checkpoint_root,
                 results_dir=args.results_dir),
        options)
    summary = ", ".join(f"{key} {value:.4g}" for key, value in sorted(final.items()))
    print(f"trained {args.config} for {args.steps} steps -> {output}/checkpoint; eval: {summary}")
    return 0
