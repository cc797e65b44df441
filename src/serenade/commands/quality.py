"""Measure a model on your pieces: reconstruction and samples against the quality targets.

Each INPUT is a MIDI file, a folder (searched recursively for .mid/.midi) or a NoteSequence
TFRecord; every window of every input is used, or a seeded subset of --max-windows of them.
Prints the figures against the targets of docs/quality.md and writes them to --output (JSON) if
given: reconstruction from mu (all steps, note onsets, the "no event" baseline) and, per
temperature, samples from the prior measured against the input windows. A chord-conditioned
config reconstructs each window over its own chords and samples over --chords.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from serenade.commands.options import (add_chords_option, add_model_options, add_prior_option,
                                       checkpoint_of, chords_from_args, finite_float,
                                       int_at_least, load_from_args)
from serenade.config_schema import schema_default
from serenade.errors import UserError
from serenade.models import latent_prior as priors

MIDI_SUFFIXES = (".mid", ".midi")


def configure(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="MIDI files, folders of MIDI files, or NoteSequence .tfrecord files")
    temperature = schema_default("generate.temperature")
    parser.add_argument("--temperatures", type=finite_float(minimum=0.0), nargs="+",
                        default=[temperature],
                        help=f"sampling temperatures to measure (default {temperature:g})")
    add_prior_option(parser)
    samples = schema_default("generate.quality.samples")
    parser.add_argument("--samples", type=int_at_least(1), default=samples,
                        help=f"samples per temperature (default {samples})")
    most = schema_default("generate.quality.max_eval_windows")
    parser.add_argument("--max-windows", "--max_windows", type=int_at_least(1), default=most,
                        help=f"use at most this many input windows, a seeded subset "
                             f"(default {most})")
    parser.add_argument("--seed", type=int_at_least(0), default=schema_default("generate.seed"),
                        help="seed of samples and subsets")
    parser.add_argument("--output", default=None, help="write the figures to this .json")
    add_chords_option(parser, "what a chord-conditioned config samples over (default: "
                      f"{schema_default('generate.chords')!r}); each input window is "
                      "reconstructed over its own chords")


def input_files(inputs: list[str]) -> tuple[list[Path], list[Path]]:
    """(MIDI files, other files: NoteSequence TFRecords) of INPUT arguments, folders searched
    recursively for .mid/.midi; UserError for a path that does not exist."""
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
    return midi, records


def input_windows(inputs: list[str], config_name: str):
    """Every window of the inputs, int64 [n, T], their chord classes [n, T] (None for a
    config without controls) and the number of MIDI files read."""
    from serenade.base.tfrecords import read_note_sequences
    from serenade.conversion.parallel import windows_for_files, windows_for_sequences

    midi, records = input_files(inputs)
    found = [f for f in windows_for_files(midi, config_name) if f.ok]
    if records:
        found += windows_for_sequences(list(read_note_sequences(records)), config_name)
    found = [f for f in found if len(f.windows)]
    if not found:
        raise UserError(f"none of the inputs yields a {config_name} window "
                         "(`serenade extract` says why, file by file)")
    windows = np.concatenate([np.asarray(f.windows, np.int64) for f in found])
    chords = None if found[0].controls is None else np.concatenate([f.controls for f in found])
    return windows, chords, len(midi)


def at_most(windows: np.ndarray, chords: np.ndarray | None, limit: int | None, seed: int):
    """(windows, chords) of at most `limit` windows: a seeded subset in order (all without a
    limit or when there are few enough)."""
    if not limit or len(windows) <= limit:
        return windows, chords
    kept = np.sort(np.random.default_rng(seed).choice(len(windows), limit, replace=False))
    return windows[kept], None if chords is None else chords[kept]


def run(args: argparse.Namespace) -> int:
    from serenade.generation import quality
    from serenade.generation.conditioning import progression
    from serenade.generation.features import features_for

    model = load_from_args(args)
    default = progression(model, schema_default("generate.chords"))  # None without controls
    sample_chords = chords_from_args(model, args, default=default)
    windows, chords = at_most(*input_windows(args.inputs, args.config)[:2], args.max_windows,
                              args.seed)
    figures, _ = quality.quality_report(model, windows, temperatures=args.temperatures,
                                        num_samples=args.samples, seed=args.seed,
                                        chords=chords, sample_chords=sample_chords,
                                        prior=args.prior)
    print(quality.format_check(checkpoint_of(args), figures,
                               features_for(model.config.converter),
                               priors.used(model.latent_prior, args.prior)))
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")
    return 0
