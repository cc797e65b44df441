"""Extract a config's windows (melody, drums or trio) from MIDI files into an .npz file.

For the i-th MIDI file, OUT.npz holds `windows_{i}`: [n_i, steps] class indices (melody:
int16 events, 0 no event, 1 note off, 2 + pitch - 21 note on; drums: int64 masks of the 9
kit pieces (61 for nade-drums_2bar_full) hit at each step; trio: int16 [n_i, 256, 3], melody,
bass and drum classes per step; steps = 32 for 2-bar configs, 256 for 16-bar ones), every window
the converter extracts, in time order; a chord-conditioned config adds `chords_{i}` [n_i, steps],
the triad class of each step. It also holds `inputs` (the paths, in order) and
`config`. A file that gives no windows gets an empty [0, steps] array and a message on stderr
saying why; tracks that give nothing (a drum track for a melody config, a pitched track for a
drum config, a flute lead or a missing bass for a trio config) are named too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from serenade.commands.options import add_config_option
from serenade.config_schema import schema_default
from serenade.models.configs import get_config


def configure(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser, "config name, e.g. cat-mel_2bar_small, hierdec-mel_16bar or "
                              "cat-drums_2bar_small or hierdec-trio_16bar")
    parser.add_argument("--hparams", default=schema_default("models.hparams"), metavar="S",
                        help="hparam overrides in magenta's syntax (checked; they do not change "
                             "which windows are extracted)")
    parser.add_argument("midi", nargs="+", type=Path, metavar="MIDI", help="MIDI files")
    parser.add_argument("--output", "-o", required=True, type=Path, metavar="OUT.npz",
                        help="where to write the windows")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes to use (default: one per core when there are many files)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="only report files that give no windows")


def _check_hparams(config_name: str, hparams: str) -> str:
    """'' when fine, else the error."""
    if not hparams:
        return ""
    try:
        get_config(config_name, hparams)
    except (ValueError, KeyError, TypeError) as error:
        return str(error)
    return ""


def run(args: argparse.Namespace) -> int:
    from serenade.conversion import converter_for_config
    from serenade.conversion.parallel import windows_for_files

    try:
        converter = converter_for_config(args.config)
    except ValueError as error:
        print(f"serenade extract: {error}", file=sys.stderr)
        return 2
    problem = _check_hparams(args.config, args.hparams)
    if problem:
        print(f"serenade extract: bad --hparams {args.hparams!r}: {problem}", file=sys.stderr)
        return 2
    if args.output.suffix != ".npz":
        print(f"serenade extract: --output must end in .npz, got {args.output}", file=sys.stderr)
        return 2

    workers = args.workers if args.workers else (None if len(args.midi) >= 8 else 1)
    results = windows_for_files(args.midi, args.config, workers=workers)
    failed = [r for r in results if r.error]
    for result in failed:
        print(f"serenade extract: {result.error}", file=sys.stderr)
    if failed:
        print(f"serenade extract: {len(failed)} input(s) could not be read; nothing written",
              file=sys.stderr)
        return 1

    arrays = {f"windows_{i}": r.windows for i, r in enumerate(results)}
    arrays.update({f"chords_{i}": r.controls for i, r in enumerate(results)
                   if r.controls is not None})
    arrays["inputs"] = np.array([str(p) for p in args.midi])
    arrays["config"] = np.array(args.config)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output, **arrays)

    total = 0
    for result in results:
        count = len(result.windows)
        total += count
        if not count:
            print(f"{result.path}: no windows: {result.explanation}", file=sys.stderr)
            for problem in result.track_problems:
                if problem not in result.explanation:  # a melody's reasons may name the tracks
                    print(f"{result.path}: {problem}", file=sys.stderr)
            continue
        if not args.quiet:
            print(f"{result.path}: {count} window{'s' if count != 1 else ''}")
            for problem in result.track_problems:
                print(f"{result.path}: {problem}", file=sys.stderr)
    if not args.quiet:
        print(f"wrote {total} windows of {converter.window_steps} steps from "
              f"{len(results)} file(s) to {args.output}")
    return 0
