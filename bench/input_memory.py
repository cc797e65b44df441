"""Benchmark: peak memory of the training input, records loaded vs indexed on disk.

    .venv/bin/python bench/input_memory.py [--records N] [--batches B] [--batch-size S]

Writes a shard of N distinct copies of the melody fixture's NoteSequences (results/bench/
input-memory/, kept for reruns), then, each in a fresh process, builds the training stream over
(a) the records loaded in memory (`read_serialized`, what jobs did) and (b) the shard indexed on
disk (`RecordIndex`, what jobs do) and draws B batches. Prints peak RSS (ru_maxrss) after the
imports, after reading/indexing and after the batches; the last line is machine-readable.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))  # the test helpers (testing/)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_shard(path: Path, count: int) -> None:
    from serenade.base import tfrecords
    from testing.fixtures import fixture_note_sequences

    if path.is_file():
        return
    sequences = fixture_note_sequences()

    def records():
        for index in range(count):
            sequence = sequences[index % len(sequences)]
            tfrecords.label_sequence(sequence, f"copy-{index}.mid", "bench")
            yield sequence.SerializeToString()

    tfrecords.write_records(path, records())


def measure(mode: str, path: Path, batches: int, batch_size: int) -> dict:
    import numpy as np

    from serenade.base.record_index import RecordIndex
    from serenade.conversion import converter_for_config
    from serenade.training import dataset

    converter = converter_for_config("cat-mel_2bar_small")
    figures = {"mode": mode, "imported_mb": peak_mb()}
    start = time.perf_counter()
    records = dataset.read_serialized([path]) if mode == "list" else RecordIndex.scan([path])
    figures.update(read_s=time.perf_counter() - start, read_mb=peak_mb(), records=len(records))
    start = time.perf_counter()
    stream = dataset.training_dataset(records, converter, batch_size=batch_size, seed=0)
    total = sum(int(np.asarray(batch).sum()) for batch in stream.take(batches))
    figures.update(batches_s=time.perf_counter() - start, batches_mb=peak_mb(), checksum=total)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--mode", choices=["list", "index"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = REPO / "results" / "bench" / "input-memory" / f"train-{args.records}.tfrecord"
    if args.mode:
        print(json.dumps(measure(args.mode, path, args.batches, args.batch_size)))
        return 0
    write_shard(path, args.records)
    print(f"{args.records} records, {path.stat().st_size / 2**20:.1f} MiB: {path}")
    results = []
    for mode in ("list", "index"):
        out = subprocess.run([sys.executable, __file__, "--mode", mode, "--records",
                              str(args.records), "--batches", str(args.batches),
                              "--batch-size", str(args.batch_size)],
                             check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        r = results[-1]
        print(f"{mode:>5}: peak RSS {r['imported_mb']:.0f} MB after imports, "
              f"{r['read_mb']:.0f} MB after reading ({r['read_s']:.1f} s), "
              f"{r['batches_mb']:.0f} MB after {args.batches} batches ({r['batches_s']:.1f} s)")
    assert results[0]["checksum"] == results[1]["checksum"], "the two streams differ"
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
