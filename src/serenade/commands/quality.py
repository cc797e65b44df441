"""Measure a model on your pieces: reconstruction and samples against the quality targets.

Each INPUT is a MIDI file, a folder (searched recursively for .mid/.midi) or a NoteSequence
TFRecord; every window of every input is used (a seeded subset with --max-windows). Prints the
figures against the targets of docs/quality.md and writes them to --output (JSON) if given:
reconstruction from mu (all steps, note onsets, the "no event" baseline) and, per temperature,
samples from the prior measured against the input windows.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from serenade.commands.options import (add_model_options, checkpoint_of, finite_float, int_at_least,
                                       load_from_args)
from serenade.config_schema import schema_default
from serenade.errors import UserError

MIDI_SUFFIXES = (".mid", ".midi")


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="MIDI files, folders of MIDI files, or NoteSequence .tfrecord files")
    temperature = schema_default("generate.temperature")
    parser.add_argument("--temperatures", type=finite_float(minimum=0.0), nargs="+",
                        default=[temperature],
                        help=f"sampling temperatures to measure (default {temperature:g})")
    samples = schema_default("generate.quality.samples")
    parser.add_argument("--samples", type=int_at_least(1), default=samples,
                        help=f"samples per temperature (default {samples})")
    parser.add_argument("--max-windows", "--max_windows", type=int_at_least(1), default=None,
                        help="use at most this many input windows (a seeded subset)")
    parser.add_argument("--seed", type=int_at_least(0), default=schema_default("generate.seed"),
                        help="seed of samples and subsets")
    parser.add_argument("--output", default=None, help="write the figures to this .json")


def input_windows(inputs: list[str], config_name: str):
    """Every window of the inputs, int64 [n, T], and the number of files that gave none."""
    from serenade.base.tfrecords import read_note_sequences
    from serenade.conversion.parallel import windows_for_files, windows_for_sequences

    midi, records = [], []
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            midi += sorted(p for p in path.rglob("*") if p.suffix.lower() in MIDI_SUFFIXES)
        elif path.suffix.lower() in MIDI_SUFFIXES:
            midi.append(path)
        elif path.is_file():
            records.append(path)
        else:
            raise UserError(f"{text}: no such file or folder")
    parts = [found.windows for found in windows_for_files(midi, config_name) if found.ok]
    if records:
        parts += windows_for_sequences(list(read_note_sequences(records)), config_name)
    parts = [np.asarray(p, np.int64) for p in parts if len(p)]
    if not parts:
        raise UserError(f"none of the inputs yields a {config_name} window "
                         "(`serenade extract` says why, file by file)")
    return np.concatenate(parts), len(midi)


def run(args: argparse.Namespace) -> int:
    from serenade.generation import quality
    from serenade.generation.features import features_for

    model = load_from_args(args)
    windows, _ = input_windows(args.inputs, args.config)
    if args.max_windows and len(windows) > args.max_windows:
        rng = np.random.default_rng(args.seed)
        windows = windows[np.sort(rng.choice(len(windows), args.max_windows, replace=False))]
    figures, _ = quality.quality_report(model, windows, temperatures=args.temperatures,
                                        num_samples=args.samples, seed=args.seed)
    print(quality.format_check(checkpoint_of(args), figures,
                               features_for(model.config.converter)))
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")
    return 0
