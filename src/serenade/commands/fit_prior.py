"""Fit a model's sampling prior to your pieces, and save the model with it.

The Gaussian of the posteriors of the inputs' windows (a seeded subset of --max-windows) is saved
with a copy of the model in Serenade's format (--output), so that `serenade sample --prior
fitted`, a served model's `prior: fitted` request, or a workflow model with `sample_prior:
fitted` draw z where your pieces' codes lie (docs/generation.md, "Where samples come from").
Training already fits one to its own training windows; this gives one to magenta's checkpoints
and to models trained before it, or one fitted to other pieces.
"""

from __future__ import annotations

import argparse

from serenade.commands.options import (add_model_options, int_at_least, load_from_args,
                                       output_directory)
from serenade.commands.quality import at_most, input_windows
from serenade.config_schema import schema_default
from serenade.errors import UserError
from serenade.models.configs import get_config
from serenade.models.latent_prior import FIT_WINDOWS


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="MIDI files, folders of MIDI files, or NoteSequence .tfrecord files")
    parser.add_argument("--output", required=True, type=output_directory,
                        help="folder for the model with its prior (Serenade's format)")
    parser.add_argument("--max-windows", "--max_windows", type=int_at_least(2),
                        default=FIT_WINDOWS,
                        help=f"fit to at most this many windows, a seeded subset (default "
                             f"{FIT_WINDOWS}, as training does)")
    parser.add_argument("--seed", type=int_at_least(0), default=schema_default("generate.seed"),
                        help="seed of the subset")


def run(args: argparse.Namespace) -> int:
    from serenade.generation.conditioning import vectors
    from serenade.models.checkpoint import save_model

    if get_config(args.config).groove:  # --config is known here: `check_model_flags` ran
        raise UserError(f"{args.config}: fit-prior reads class windows; GrooVAE configs are not "
                        "supported")
    model = load_from_args(args)
    windows, chords, _ = input_windows(args.inputs, args.config)
    if len(windows) < 2:
        raise UserError(f"the inputs yield {len(windows)} {args.config} window: a prior needs "
                        "at least 2")
    windows, chords = at_most(windows, chords, args.max_windows, args.seed)
    prior = model.fit_latent_prior(windows, vectors(model, chords))
    save_model(model, args.output)
    print(f"fitted the sampling prior to {prior.windows} windows; wrote {args.config} with it "
          f"to {args.output} (sample from it with --prior fitted)")
    return 0
