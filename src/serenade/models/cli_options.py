"""Options the model commands share (config, hparams, checkpoint, seed) and their loading."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True,
                        help="config name, e.g. cat-mel_2bar_small, hierdec-mel_16bar")
    parser.add_argument("--hparams", default="",
                        help="hparam overrides in magenta syntax, e.g. 'z_size=32,enc_rnn_size=[96,96]'")
    parser.add_argument("--checkpoint", "--checkpoint-file", "--checkpoint_file", dest="checkpoint",
                        required=True,
                        help="magenta checkpoint (directory, prefix or published .tar) or a Serenade one")


def add_seed_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")


def add_temperature_option(parser: argparse.ArgumentParser, default: float = 0.5) -> None:
    parser.add_argument("--temperature", type=float, default=default,
                        help=f"sampling temperature; 0 takes the most likely event (default {default})")


def load_from_args(args: argparse.Namespace):
    from serenade.models.checkpoint import load_model

    return load_model(args.checkpoint, args.config, args.hparams)


def midi_window(path: str | Path, config_name: str, index: int = 0):
    """Window `index` (inference order) of a MIDI file; ValueError naming the file and why not."""
    from serenade.melody.parallel import windows_for_file

    found = windows_for_file(path, config_name)
    if found.error:
        raise ValueError(found.error)
    count = len(found.windows)
    if count == 0:
        reasons = found.explanation or "no melody window found"
        raise ValueError(f"{path}: no {config_name} window in this file: {reasons}")
    if not 0 <= index < count:
        raise ValueError(f"{path}: window {index} asked for, but the file has {count} "
                         f"window(s) (0..{count - 1}) for {config_name}")
    return found.windows[index], count


def write_midi_files(model, events, directory: Path, stem: str) -> list[Path]:
    """One MIDI file per row of events, named STEM-III-of-NNN.mid (as magenta's generator)."""
    directory.mkdir(parents=True, exist_ok=True)
    converter = model.config.converter
    total = len(events)
    paths = []
    for i, row in enumerate(events):
        path = directory / f"{stem}-{i:03d}-of-{total:03d}.mid"
        converter.to_midi(row, path)
        paths.append(path)
    return paths
