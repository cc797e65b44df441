"""Interpolate between two MIDI files in latent space (magenta's --mode=interpolate).

Takes one window of each input (the first by default; --window-1/--window-2 pick another; a
longer or multi-track file is fine), encodes both to mu, walks between them by slerp (magenta)
or lerp (magenta.js), endpoints included, and decodes each step to a MIDI file. A
chord-conditioned config encodes each window with its own chords and decodes every step with
the first window's chords (as magenta decodes with one control sequence), or with --chords.
"""

from __future__ import annotations

import argparse
import time

from serenade.commands import groove
from serenade.commands.options import (MAX_OUTPUTS, add_chords_option, add_mode_option,
                                       add_model_options, add_seed_option, add_temperature_option,
                                       chords_from_args, int_at_least, load_from_args,
                                       midi_window_and_chords, output_directory, write_midi_files)
from serenade.config_schema import schema_at
from serenade.models.configs import get_config


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser, groove=True)
    add_mode_option(parser, "interpolate")
    parser.add_argument("--input-midi-1", "--input_midi_1", dest="input_midi_1", required=True,
                        metavar="MIDI", help="the MIDI file the path starts at")
    parser.add_argument("--input-midi-2", "--input_midi_2", dest="input_midi_2", required=True,
                        metavar="MIDI", help="the MIDI file the path ends at")
    parser.add_argument("--window-1", "--window_1", dest="window_1", type=int_at_least(0),
                        default=0, help="which window of input 1 (default 0, the first)")
    parser.add_argument("--window-2", "--window_2", dest="window_2", type=int_at_least(0),
                        default=0, help="which window of input 2 (default 0, the first)")
    parser.add_argument("--num-outputs", "--num_outputs", dest="num_outputs",
                        type=int_at_least(2, MAX_OUTPUTS),
                        default=5, help="number of steps, endpoints included (default 5)")
    method = schema_at("generate.interpolations.method")
    parser.add_argument("--method", choices=method["enum"], default=method["default"],
                        help=f"{method['description']} (default {method['default']})")
    add_temperature_option(parser)
    parser.add_argument("--output-dir", "--output_dir", dest="output_dir", required=True,
                        type=output_directory, help="folder for the MIDI files, one per step")
    add_chords_option(parser, "default: the chords of input 1's window")
    add_seed_option(parser)


def run(args: argparse.Namespace) -> int:
    from serenade.generation import conditioning  # note-seq: slow, imported on use
    from serenade.models.latent_paths import walk

    if get_config(args.config).groove:  # float windows: serenade.commands.groove
        return groove.interpolate(load_from_args(args), args)
    model = load_from_args(args)
    first, chords_1, count_1 = midi_window_and_chords(args.input_midi_1, args.config,
                                                      args.window_1)
    second, chords_2, count_2 = midi_window_and_chords(args.input_midi_2, args.config,
                                                       args.window_2)
    chords = chords_from_args(model, args, default=chords_1)
    for path, index, count in ((args.input_midi_1, args.window_1, count_1),
                               (args.input_midi_2, args.window_2, count_2)):
        if count > 1:
            print(f"{path}: using window {index} of {count}")
    latent = walk(model, [first, second], args.num_outputs, method=args.method,
                  temperature=args.temperature, seed=args.seed,
                  chords=conditioning.stacked([chords_1, chords_2]), decode_chords=chords)
    stamp = time.strftime("%Y-%m-%d_%H%M%S")
    paths = write_midi_files(model, latent.events, args.output_dir,
                             f"{args.config}_interpolate_{stamp}", chords)
    print(f"wrote {len(paths)} MIDI file(s) to {args.output_dir}")
    return 0
