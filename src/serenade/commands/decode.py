"""Decode latent vectors into music (melodies, drum patterns or trios, as the config says).

--z is a .npy of z [n, z_size] (or an .npz from `serenade encode`: its `z`, or `mu` with --use-mu);
a NaN or infinite value is refused.
OUT ending in .npz gets `events` [n, steps] (and `logits` [n, steps, 90] when the temperature
is 0); any other OUT is a directory that gets one MIDI file per z. A chord-conditioned config decodes
over the --chords progression (also stored as `chords` in OUT.npz, or as text in each MIDI file).
"""

from __future__ import annotations

import argparse

import numpy as np

from serenade.base.bit_inputs import window_dtype
from serenade.commands import groove
from serenade.commands.options import (add_chords_option, add_controls_midi_option,
                                       add_model_options, add_seed_option,
                                       add_temperature_option, chords_from_args, load_from_args,
                                       output_npz_or_directory, read_array, refuse_controls_midi,
                                       write_midi_files)
from serenade.errors import UserError
from serenade.models.configs import get_config


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser, groove=True)
    add_controls_midi_option(parser)
    parser.add_argument("--z", required=True, help="z vectors: .npy [n, z_size] or .npz")
    parser.add_argument("--use-mu", "--use_mu", dest="use_mu", action="store_true",
                        help="with an .npz from `serenade encode`, decode its mu instead of z")
    add_temperature_option(parser)
    parser.add_argument("--output", required=True, type=output_npz_or_directory,
                        help="OUT.npz, or a directory for MIDI files")
    add_chords_option(parser)
    add_seed_option(parser)


def read_z(path: str, z_size: int, use_mu: bool = False) -> np.ndarray:
    """z [n, z_size] of a .npy, or the `z` (`mu` with use_mu or without z) of an .npz;
    UserError naming the file for a wrong size or a NaN or infinite value."""
    def choose(names: list[str]) -> str:
        key = "mu" if use_mu or "z" not in names else "z"
        if key not in names:
            raise UserError(f"{path}: no 'z' or 'mu' array in it (has {names})")
        return key

    z = read_array(path, choose)
    if z.ndim == 1:
        z = z[None]
    if z.ndim != 2 or z.shape[1] != z_size:
        raise UserError(f"{path}: expected z [n, {z_size}], got shape {z.shape}")
    bad = np.flatnonzero(~np.isfinite(z).all(axis=1))
    if len(bad):
        raise UserError(f"{path}: z holds NaN or infinite values (row{'s' * (len(bad) > 1)} "
                        f"{', '.join(map(str, bad[:5]))}{' ...' * (len(bad) > 5)})")
    return z.astype(np.float32)


def run(args: argparse.Namespace) -> int:
    from serenade.conversion import controls as ctl  # note-seq: slow, imported on use

    if get_config(args.config).groove:  # float windows: serenade.commands.groove
        model = load_from_args(args)
        return groove.decode(model, args, read_z(args.z, model.z_size, args.use_mu))
    refuse_controls_midi(args)
    model = load_from_args(args)
    z = read_z(args.z, model.z_size, args.use_mu)
    chords = chords_from_args(model, args)
    events, logits = model.decode(z, args.temperature, seed=args.seed,
                                  controls=ctl.vectors(model.config.converter, chords))
    output = args.output
    if output.suffix == ".npz":
        output.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"events": events.astype(window_dtype(model.part_depths))}
        if args.temperature == 0:
            arrays["logits"] = logits
        if chords is not None:
            arrays["chords"] = chords
        np.savez(output, **arrays)
        print(f"decoded {len(events)} z -> {output}")
    else:
        paths = write_midi_files(model, events, output, f"{args.config}_decode", chords)
        print(f"decoded {len(paths)} z -> {output}/")
    return 0
