"""Encode windows of music into the latent space: mu, sigma (and a sampled z) per window.

Each INPUT is a MIDI file (its first window, or --window N) or a .npy of event windows
[n, steps] ([n, steps, 3] for a trio config, as `serenade extract` writes them). Writes
OUT.npz with `mu` [n, z], `sigma` [n, z], `z` [n, z] and `windows` [n, steps].
A chord-conditioned config encodes each MIDI window with its own chords (--chords for .npy
inputs, or to override them) and writes them too: `chords` [n, steps] (triad classes).
"""

from __future__ import annotations

import argparse

import numpy as np

from serenade.base.bit_inputs import window_dtype
from serenade.commands import groove
from serenade.commands.options import (add_chords_option, add_model_options, add_seed_option,
                                       chords_from_args, int_at_least, load_from_args,
                                       midi_window_and_chords, output_npz, read_array)
from serenade.errors import UserError
from serenade.models.configs import get_config


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser, groove=True)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="MIDI files or .npy windows")
    parser.add_argument("--output", required=True, type=output_npz, help="output .npz")
    parser.add_argument("--window", type=int_at_least(0), default=0,
                        help="which window of each MIDI file to encode (default 0, the first)")
    add_chords_option(parser, "default: each MIDI window's own chords")
    add_seed_option(parser)


def read_inputs(paths: list[str], config_name: str, window_shape: tuple[int, ...],
                window: int = 0, part_depths: tuple[int, ...] = (90,)):
    """(windows [n, *window_shape] of the config's window type, the chord classes of each MIDI
    window (None for .npy rows and configs without chords)). A .npy holds windows as
    `serenade extract` writes them: [n, steps], or [n, steps, parts] for a trio."""
    rows, chords = [], []
    for path in paths:
        if path.lower().endswith(".npy"):
            array = read_array(path)
            if array.ndim == len(window_shape):
                array = array[None]
            if array.shape[1:] != window_shape:
                shape = ", ".join(map(str, window_shape))
                raise UserError(f"{path}: expected windows [n, {shape}] for {config_name}, got "
                                f"shape {array.shape}")
            if not np.issubdtype(array.dtype, np.integer):
                raise UserError(f"{path}: windows must be whole class numbers, not {array.dtype}")
            rows.extend(array)
            chords.extend([None] * len(array))
        else:
            row, row_chords, _ = midi_window_and_chords(path, config_name, window)
            rows.append(row)
            chords.append(row_chords)
    return np.stack(rows).astype(window_dtype(part_depths)), chords


def run(args: argparse.Namespace) -> int:
    from serenade.conversion import controls as ctl  # note-seq: slow, imported on use

    if get_config(args.config).groove:  # float windows: serenade.commands.groove
        return groove.encode(load_from_args(args), args)
    output = args.output
    model = load_from_args(args)
    windows, found = read_inputs(args.inputs, args.config, model.window_shape, args.window,
                                 model.part_depths)
    chords = None
    if model.control_depth:
        given = chords_from_args(model, args) if args.chords else None
        if given is None and any(c is None for c in found):
            raise UserError("--chords is required for .npy inputs: config "
                            f"{args.config} is conditioned on a chord per step")
        chords = np.stack([given if given is not None else c for c in found]).astype(np.int16)
    else:
        chords_from_args(model, args)  # refuses --chords
    z, mu, sigma = model.encode(windows, seed=args.seed,
                                controls=ctl.vectors(model.config.converter, chords))
    output.parent.mkdir(parents=True, exist_ok=True)
    extra = {} if chords is None else {"chords": chords}
    np.savez(output, mu=mu, sigma=sigma, z=z, windows=windows, **extra)
    print(f"encoded {len(windows)} window(s) -> {output}")
    return 0
