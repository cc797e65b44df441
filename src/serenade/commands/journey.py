"""A journey through several MIDI files in latent space (A -> B -> C ...), as one piece.

What the workflow's journey job makes, without Snakemake or MLflow: each input's window (the
first by default; --window most_notes picks the busiest) is encoded to its mean, the legs
between them are walked by slerp (or lerp), every point is decoded, and OUTPUT_DIR gets
journey.mid with its piano roll (and WAV with --audio), a strip of every point (strip.png),
inputs.txt (which window of each input) and endpoints.json (how much of each input the
waypoints keep).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from serenade.commands.options import (MAX_OUTPUTS, add_model_options, add_seed_option,
                                       add_setting_option, add_temperature_option, checkpoint_of,
                                       int_at_least, output_directory)
from serenade.config_schema import schema_at
from serenade.generation.jobs.context import JobContext
from serenade.generation.writing import RenderSettings


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser)
    parser.add_argument("inputs", nargs="+", metavar="MIDI",
                        help="two or more MIDI files, in order")
    parser.add_argument("--num-steps", "--num_steps", dest="num_steps",
                        type=int_at_least(2, MAX_OUTPUTS),
                        default=schema_at("generate.journeys.num_steps")["default"],
                        help="points per leg, shared waypoints included (default %(default)s)")
    method = schema_at("generate.journeys.method")
    parser.add_argument("--method", choices=method["enum"], default=method["default"],
                        help="slerp (magenta) or lerp (magenta.js) (default %(default)s)")
    add_setting_option(parser, "generate.window", "--window",
                       help="which window of each input: first or most_notes")
    parser.add_argument("--qpm", type=float, default=None,
                        help="tempo of the output (default: the first input's)")
    add_temperature_option(parser)
    add_setting_option(parser, "generate.program", "--program", type=int_at_least(0))
    parser.add_argument("--audio", action=argparse.BooleanOptionalAction, default=False,
                        help="also render WAVs (default: off)")
    parser.add_argument("--output-dir", "--output_dir", dest="output_dir", required=True,
                        type=output_directory,
                        help="folder for the journey's MIDI files (and piano rolls, WAVs)")
    add_seed_option(parser)


def run(args: argparse.Namespace) -> int:
    from serenade.generation.jobs.walks import run_walk

    if len(args.inputs) < 2:
        raise ValueError(f"a journey needs at least two inputs, got {len(args.inputs)}")
    for path in args.inputs:
        if not Path(path).is_file():
            raise FileNotFoundError(2, "no such file", path)
    ctx = JobContext(model_name=Path(args.output_dir).name, config_name=args.config,
                     checkpoint=checkpoint_of(args), hparams=args.hparams, out_dir=args.output_dir,
                     precision=args.precision,
                     render=RenderSettings(program=args.program, audio=args.audio), track=False)
    run_walk(ctx, kind="journey", name=Path(args.output_dir).name, inputs=args.inputs,
             window=args.window, num_steps=args.num_steps, method=args.method,
             temperature=args.temperature, seed=0 if args.seed is None else args.seed,
             qpm=args.qpm, sources=[])
    print(f"wrote {Path(args.output_dir) / 'journey.mid'} and its piano rolls")
    return 0
