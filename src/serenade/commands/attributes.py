"""Attribute vectors ("this piece, calmer"): compute, measure, and edit a piece with one.

The vectors come from training windows; their effect is measured on held-out windows.

What the workflow's attributes job makes, without Snakemake or MLflow: OUTPUT_DIR gets
effects.csv (per attribute: the windows with and without it, and how far adding the vector
moves held-out windows), vectors.npz and, with --piece, NAME.mid (edited, at --qpm),
NAME-original.mid and a before/after strip. Label attributes ("calm") need the labels of the
data's sources: give the manifest `serenade data` or the workflow wrote (--manifest).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from serenade.commands.options import (add_model_options, add_seed_option, add_setting_option,
                                       add_temperature_option, checkpoint_of, output_directory)
from serenade.config_schema import schema_default
from serenade.generation.jobs.context import JobContext
from serenade.generation.writing import RenderSettings


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser)
    parser.add_argument("--train-data", "--train_data", dest="train_data", nargs="+",
                        required=True, metavar="TFRECORD", help="windows the vectors come from")
    parser.add_argument("--eval-data", "--eval_data", dest="eval_data", nargs="+", required=True,
                        metavar="TFRECORD", help="held-out windows the effect is measured on")
    parser.add_argument("--manifest", type=Path, default=None,
                        help="manifest.csv of the data: its sources' labels become attributes")
    parser.add_argument("--names", nargs="+", default=["auto"], metavar="NAME",
                        help="attributes to compute (computed ones or labels); default auto: "
                             "the model family's and the labels that split the sources")
    parser.add_argument("--piece", type=Path, default=None, metavar="MIDI", help="a piece to edit")
    parser.add_argument("--attribute", default=None,
                        help="the attribute to add to --piece (default: the first name)")
    add_setting_option(parser, "generate.attributes.strength", "--strength", type=float)
    add_setting_option(parser, "generate.attributes.qpm", "--qpm", type=float)
    add_setting_option(parser, "generate.window", "--window",
                       help="which window of --piece starts the edit: first or most_notes")
    add_setting_option(parser, "generate.attributes.max_train_windows", "--max-train-windows",
                       type=int)
    add_setting_option(parser, "generate.attributes.max_eval_windows", "--max-eval-windows",
                       type=int)
    add_temperature_option(parser)
    parser.add_argument("--audio", action=argparse.BooleanOptionalAction, default=False,
                        help="also render WAVs (default: off)")
    parser.add_argument("--output-dir", "--output_dir", dest="output_dir", required=True,
                        type=output_directory,
                        help="folder for the attribute vectors and edited pieces")
    add_seed_option(parser)


def sources_of(manifest: Path | None) -> list[dict]:
    """[{name, labels}] of the sources a manifest lists (none without a manifest)."""
    if manifest is None:
        return []
    import pandas as pd

    table = pd.read_csv(manifest, usecols=["source", "labels"], dtype=str, keep_default_na=False)
    first = table.drop_duplicates("source")
    return [{"name": row.source, "labels": json.loads(row.labels or "[]")}
            for row in first.itertuples(index=False)]


def run(args: argparse.Namespace) -> int:
    from serenade.generation.jobs.attribute_edits import run_attributes

    sources = sources_of(args.manifest)
    names = "auto" if args.names == ["auto"] else args.names
    pieces: list[dict] = []
    if args.piece is not None:
        if not args.piece.is_file():
            raise FileNotFoundError(2, "no such file", str(args.piece))
        attribute = args.attribute or (names[0] if names != "auto" else None)
        if attribute is None:
            raise ValueError("--piece needs --attribute when --names is auto")
        pieces = [{"name": args.piece.stem.replace(" ", "_"), "input": str(args.piece),
                   "attribute": attribute, "strength": args.strength}]
    ctx = JobContext(model_name=Path(args.output_dir).name, config_name=args.config,
                     checkpoint=checkpoint_of(args), hparams=args.hparams, out_dir=args.output_dir,
                     precision=args.precision, render=RenderSettings(audio=args.audio),
                     track=False)
    run_attributes(ctx, train=args.train_data, eval=args.eval_data,
                   labels_by_source={s["name"]: s["labels"] for s in sources}, names=names,
                   quantiles=schema_default("generate.attributes.quantiles"),
                   max_train_windows=args.max_train_windows,
                   max_eval_windows=args.max_eval_windows, strength=args.strength,
                   pieces=pieces, qpm=args.qpm, temperature=args.temperature,
                   seed=0 if args.seed is None else args.seed, window=args.window,
                   sources=sources)
    print(f"wrote {Path(args.output_dir) / 'effects.csv'}"
          + (f" and {Path(args.output_dir) / pieces[0]['name']}.mid" if pieces else ""))
    return 0
