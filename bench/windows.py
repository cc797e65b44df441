"""Benchmark: MIDI files -> melody windows with serenade.conversion.parallel (windows/s, files/s).

    .venv/bin/python bench/windows.py [FOLDER] [--config NAME] [--workers N] [--repeat K]

FOLDER defaults to data/raw when it holds MIDI files, else the magenta fixture
cases (repeated --repeat times). Prints reading + conversion throughput with 1
worker and with N workers, and the conversion alone (NoteSequences already in
memory). Timings are only meaningful on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from serenade.paths import MAGENTA_FIXTURES  # noqa: E402


def find_midi(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".mid", ".midi"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--config", default="cat-mel_2bar_small")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=20, help="copies of the fixture cases")
    args = parser.parse_args()

    if args.folder is not None:
        paths = find_midi(args.folder)
        source = str(args.folder)
    elif find_midi(REPO / "data" / "raw"):
        paths = find_midi(REPO / "data" / "raw")
        source = "data/raw"
    else:
        paths = find_midi(MAGENTA_FIXTURES) * args.repeat
        source = f"magenta fixture cases x{args.repeat}"
    if not paths:
        print(f"no MIDI files in {source}", file=sys.stderr)
        return 1

    from serenade.base.midi_parser import read_midi
    from serenade.conversion.parallel import windows_for_files, windows_for_sequences

    print(f"{len(paths)} MIDI files from {source}; config {args.config}")
    for workers in sorted({1, args.workers}):
        start = time.perf_counter()
        results = windows_for_files(paths, args.config, workers=workers)
        seconds = time.perf_counter() - start
        windows = sum(len(r.windows) for r in results)
        print(f"read + convert, {workers} worker(s): {seconds:.2f} s, {len(paths) / seconds:.0f} "
              f"files/s, {windows / seconds:.0f} windows/s ({windows} windows, "
              f"{sum(1 for r in results if not len(r.windows))} files with none)")

    sequences = []
    for path in paths:
        try:
            sequences.append(read_midi(path))
        except ValueError:
            pass
    for workers in sorted({1, args.workers}):
        start = time.perf_counter()
        results = windows_for_sequences(sequences, args.config, workers=workers)
        seconds = time.perf_counter() - start
        windows = sum(len(r.windows) for r in results)
        print(f"convert only (NoteSequences in memory), {workers} worker(s): {seconds:.2f} s, "
              f"{len(sequences) / seconds:.0f} sequences/s, {windows / seconds:.0f} windows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
