"""Encode windows of music into the latent space: mu, sigma (and a sampled z) per window.

Each INPUT is a MIDI file (its first window, or --window N) or a .npy of event windows
[n, steps]. Writes OUT.npz with `mu` [n, z], `sigma` [n, z], `z` [n, z] and `windows` [n, steps].
"""

from __future__ import annotations

import argparse

import numpy as np

from serenade.base.bit_inputs import window_dtype
from serenade.commands.options import (add_model_options, add_seed_option, int_at_least,
                                       load_from_args, midi_window, output_npz)
from serenade.errors import UserError


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="MIDI files or .npy windows")
    parser.add_argument("--output", required=True, type=output_npz, help="output .npz")
    parser.add_argument("--window", type=int_at_least(0), default=0,
                        help="which window of each MIDI file to encode (default 0, the first)")
    add_seed_option(parser)


def read_inputs(paths: list[str], config_name: str, steps: int, window: int = 0,
                part_depths: tuple[int, ...] = (90,)):
    rows = []
    for path in paths:
        if path.lower().endswith(".npy"):
            array = np.load(path)
            if array.ndim == 1:
                array = array[None]
            if array.ndim != 2 or array.shape[1] != steps:
                raise UserError(f"{path}: expected windows [n, {steps}], got shape {array.shape}")
            rows.extend(array)
        else:
            rows.append(midi_window(path, config_name, window)[0])
    return np.stack(rows).astype(window_dtype(part_depths))


def run(args: argparse.Namespace) -> int:
    output = args.output
    model = load_from_args(args)
    windows = read_inputs(args.inputs, args.config, model.window_steps, args.window,
                          model.part_depths)
    z, mu, sigma = model.encode(windows, seed=args.seed)
    output.parent.mkdir(parents=True, exist_ok=True)
    np.savez(output, mu=mu, sigma=sigma, z=z, windows=windows)
    print(f"encoded {len(windows)} window(s) -> {output}")
    return 0
