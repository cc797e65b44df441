"""Write train/eval NoteSequence TFRecords for a benchmark from a folder of MIDI files.

    .venv/bin/python bench/make_family_data.py tests/fixtures/magenta/drums/cases \
        results/bench/drums --repeat 64

Each file is read once and written --repeat times to train.tfrecord (distinct filenames and ids,
so every copy goes through the input pipeline as its own sequence) and --eval-repeat times to
eval.tfrecord. A few MIDI files repeated this way make an input pipeline of a fair size for a
throughput benchmark; they say nothing about what a model learns.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def write_split(path: Path, sequences: list, repeat: int, collection: str) -> int:
    """Write `repeat` labelled copies of each sequence to `path`; return the record count."""
    from serenade.base.tfrecords import label_sequence, write_note_sequences

    def copies():
        for copy in range(repeat):
            for name, sequence in sequences:
                labelled = type(sequence)()
                labelled.CopyFrom(sequence)
                label_sequence(labelled, f"{copy:04d}/{name}", collection)
                yield labelled

    return write_note_sequences(path, copies())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("midi_dir", type=Path, help="folder of .mid files")
    parser.add_argument("out_dir", type=Path, help="gets train.tfrecord and eval.tfrecord")
    parser.add_argument("--repeat", type=int, default=64, help="copies of each file in train")
    parser.add_argument("--eval-repeat", type=int, default=4, help="copies of each file in eval")
    args = parser.parse_args()

    from serenade.base.midi_parser import read_midi

    files = sorted(args.midi_dir.glob("*.mid")) + sorted(args.midi_dir.glob("*.midi"))
    if not files:
        raise SystemExit(f"{args.midi_dir}: no .mid files")
    sequences = [(path.name, read_midi(path)) for path in files]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    collection = args.midi_dir.name
    for split, repeat in (("train", args.repeat), ("eval", args.eval_repeat)):
        path = args.out_dir / f"{split}.tfrecord"
        count = write_split(path, sequences, repeat, collection)
        print(f"{path}: {count} NoteSequences ({len(files)} files x {repeat})")


if __name__ == "__main__":
    main()
