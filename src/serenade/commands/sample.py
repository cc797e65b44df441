"""Sample music from a model's prior (magenta's music_vae_generate --mode=sample).

A chord-conditioned config samples over the --chords progression (magenta.js's
`sample(n, temperature, {chordProgression})`), written into each MIDI file as text."""

from __future__ import annotations

import argparse
import time

import numpy as np

from serenade.commands import groove
from serenade.commands.options import (MAX_OUTPUTS, add_chords_option,
                                       add_controls_midi_option, add_mode_option,
                                       add_model_options, add_prior_option, add_seed_option,
                                       add_temperature_option,
                                       chords_from_args, int_at_least, load_from_args,
                                       output_directory, refuse_controls_midi, write_midi_files)
from serenade.models.configs import get_config


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser, groove=True)
    add_controls_midi_option(parser)
    add_mode_option(parser, "sample")
    parser.add_argument("--num-outputs", "--num_outputs", dest="num_outputs",
                        type=int_at_least(1, MAX_OUTPUTS),
                        default=5, help="how many pieces (default 5)")
    add_temperature_option(parser)
    add_prior_option(parser)
    parser.add_argument("--output-dir", "--output_dir", dest="output_dir", required=True,
                        type=output_directory, help="directory for the MIDI files")
    parser.add_argument("--max-batch-size", "--max_batch_size", dest="max_batch_size",
                        type=int_at_least(1), default=512,
                        help="largest batch decoded at once (default 512)")
    add_chords_option(parser)
    add_seed_option(parser)


def run(args: argparse.Namespace) -> int:
    from serenade.conversion import controls as ctl  # note-seq: slow, imported on use

    if get_config(args.config).groove:  # float windows: serenade.commands.groove
        return groove.sample(load_from_args(args), args)
    refuse_controls_midi(args)
    model = load_from_args(args)
    chords = chords_from_args(model, args)
    controls = ctl.vectors(model.config.converter, chords)
    rng = np.random.default_rng(args.seed)
    events = []
    for start in range(0, args.num_outputs, args.max_batch_size):
        count = min(args.max_batch_size, args.num_outputs - start)
        batch, _ = model.sample(count, args.temperature, seed=int(rng.integers(2**31)),
                                keep_logits=False, controls=controls, prior=args.prior)
        events.append(batch)
    stamp = time.strftime("%Y-%m-%d_%H%M%S")
    paths = write_midi_files(model, np.concatenate(events), args.output_dir,
                             f"{args.config}_sample_{stamp}", chords)
    print(f"wrote {len(paths)} MIDI file(s) to {args.output_dir}")
    return 0
