"""Benchmark: MIDI -> NoteSequence conversion speed on the default corpus.

Prints steady-state files/s and MB/s (interpreter start-up, imports and process-pool start-up
excluded; each figure is the median of --repeat timed passes after a warm-up pass) for:
  reference  note-seq's parser in one process, labelling and serializing each sequence and
             writing a TFRecord: the work magenta's convert_dir_to_note_sequences does
             (magenta itself measured ~62 files/s on this project's machine, see
             ../shared/fixtures/magenta/README.md);
  fast-1     Serenade's reader, same work, one process;
  convert-N  Serenade's reader plus the manifest statistics, labelling and TFRecord framing,
             on N (--workers) processes: the conversion itself;
  serenade-N all that the parse_source rule does: convert-N plus the uncapped 2-bar and 16-bar
             melody window counts of the manifest (serenade.melody's converter);
  windows-N  MIDI files -> every 2-bar (then 16-bar) window, as `serenade extract` does, on N
             processes: files/s and windows/s.
The corpus is the default config's sources as `snakemake data` fetched them (data/raw/); a
music21 source not exported yet is exported first (not timed). --check compares every file's
NoteSequence with note-seq's.

    .venv/bin/python bench/convert.py [--repeat 3] [--workers 2] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def corpus_files() -> list[Path]:
    """The files of config/config.yaml's sources, as `snakemake data` lists them."""
    from serenade.config import load_config, source_kind
    from serenade.sources.listing import Listing
    from serenade.sources.local import list_path_source
    from serenade.sources.music21_corpus import export_corpus

    files: list[Path] = []
    for source in load_config(REPO / "config" / "config.yaml")["sources"]:
        kind, name = source_kind(source), source["name"]
        listing_path = REPO / "data" / "raw" / name / ("export.json" if kind == "music21" else "download.json")
        if kind == "path":
            files += [Path(p) for p in list_path_source(source["path"])]
        elif listing_path.exists():
            files += [REPO / entry["file"] for entry in Listing.read(listing_path).files]
        elif kind == "music21":
            folder = Path(tempfile.mkdtemp(prefix="serenade-bench-"))
            print(f"{name}: not exported yet; exporting into {folder} (not timed) ...", flush=True)
            listing = export_corpus(name, source["music21"], folder, workers=2)
            files += [Path(entry["file"]) for entry in listing.files]
        else:
            print(f"{name}: not downloaded yet (run `snakemake data` first); skipped", flush=True)
    return files


def _convert_all(paths: list[str], parse) -> int:
    """Parse, label, serialize and write all files to a TFRecord (magenta's work)."""
    from serenade.base.tfrecords import frame_record, label_sequence

    with tempfile.TemporaryFile() as out:
        count = 0
        for path in paths:
            with open(path, "rb") as handle:
                data = handle.read()
            try:
                sequence = parse(data)
            except Exception:
                continue
            label_sequence(sequence, os.path.basename(path), "bench")
            out.write(frame_record(sequence.SerializeToString()))
            count += 1
    return count


def reference_pass(paths):
    from note_seq import midi_io

    return _convert_all(paths, midi_io.midi_to_note_sequence)


def fast_pass(paths):
    from serenade.base.midi_parser import midi_to_note_sequence

    return _convert_all(paths, midi_to_note_sequence)


def _warm(_):
    import serenade.data.inspection  # noqa: F401  (imports note-seq, the converter)

    try:
        import serenade.melody  # noqa: F401
    except ImportError:
        pass
    return os.getpid()


def time_passes(run, repeat: int) -> list[float]:
    run()  # warm-up: caches, lazy imports
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def report(name: str, times: list[float], n_files: int, n_bytes: int) -> None:
    median = statistics.median(times)
    rates = ", ".join(f"{n_files / t:.0f}" for t in times)
    print(f"{name:<10} {n_files / median:8.1f} files/s {n_bytes / median / 1e6:7.2f} MB/s"
          f"   (median of {len(times)}; passes: {rates} files/s)", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--check", action="store_true", help="compare every file with note-seq")
    args = parser.parse_args(argv)

    files = corpus_files()
    paths = [str(p) for p in files]
    n_bytes = sum(p.stat().st_size for p in files)
    print(f"corpus: {len(files)} MIDI files, {n_bytes / 1e6:.2f} MB; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other work skews the figures)", flush=True)

    from note_seq import midi_io  # imports outside the timed region

    from serenade.base import midi_parser
    from serenade.data.inspection import inspect_file

    if args.check:
        different = [p for p in paths if _outcome(midi_io.midi_to_note_sequence, p) !=
                     _outcome(midi_parser.midi_to_note_sequence, p)]
        print(f"check: {len(paths) - len(different)} of {len(paths)} files give identical "
              f"NoteSequences (or the same failure)" + (f"; DIFFERENT: {different[:10]}" if different else ""))

    report("reference", time_passes(lambda: reference_pass(paths), args.repeat), len(paths), n_bytes)
    report("fast-1", time_passes(lambda: fast_pass(paths), args.repeat), len(paths), n_bytes)
    chunksize = max(1, min(32, len(paths) // (args.workers * 8)))
    with ProcessPoolExecutor(args.workers) as pool:
        list(pool.map(_warm, range(args.workers * 4)))  # start the workers, import in them
        for name, windows in ((f"convert-{args.workers}", False), (f"serenade-{args.workers}", True)):
            jobs = [("bench", os.path.basename(p), p, "fast", windows) for p in paths]
            report(name, time_passes(lambda: list(pool.map(inspect_file, jobs, chunksize=chunksize)),
                                     args.repeat), len(paths), n_bytes)
    windows_passes(paths, args.workers, args.repeat)
    return 0


def windows_passes(paths: list[str], workers: int, repeat: int) -> None:
    """MIDI files -> every melody window (inference), as `serenade extract` does, on `workers`
    processes (pool start-up included: each pass is one call)."""
    from serenade.conversion.parallel import windows_for_files

    for config_name in ("cat-mel_2bar_small", "hierdec-mel_16bar"):
        counts = []

        def one_pass():
            results = windows_for_files(paths, config_name, workers)
            counts.append(sum(len(result.windows) for result in results))

        times = time_passes(one_pass, repeat)
        median = statistics.median(times)
        print(f"windows-{workers}  {len(paths) / median:8.1f} files/s {counts[-1] / median:9.1f} "
              f"windows/s   ({config_name}: {counts[-1]} windows; median of {len(times)})", flush=True)


def _outcome(parse, path):
    try:
        with open(path, "rb") as handle:
            return parse(handle.read()).SerializeToString()
    except Exception as error:  # the same failure counts as agreement
        return type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
