"""Windows of a dataset split (the NoteSequence TFRecords), with the source each came from:
training's evaluation windows, the music metrics' reference and the attribute vectors' labels.
With a converter with controls each window keeps its control classes (its chords) too.

The files are read as a stream, one sequence at a time; a capped split (`limit`) keeps a
seeded uniform subset while streaming, so a Lakh-sized split never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.base.tfrecords import read_note_sequences
from serenade.conversion import controls as ctl


@dataclass
class LabelledWindows:
    windows: np.ndarray  # [n, T] of `bit_inputs.window_dtype` (int16; int64 for bit masks)
    sources: np.ndarray  # str [n]: collection_name (= source name) of each window's sequence
    controls: np.ndarray | None = None  # int16 [n, T] control classes (chords), if any

    def __len__(self) -> int:
        return len(self.windows)

    def with_label(self, label: str, labels_by_source: Mapping[str, Sequence[str]]) -> np.ndarray:
        """Boolean mask of the windows whose source carries `label`."""
        carriers = {name for name, labels in labels_by_source.items() if label in labels}
        return np.isin(self.sources, sorted(carriers)) if carriers else np.zeros(len(self), bool)


class WindowSample:
    """The windows of a stream, or a seeded uniform subset of `limit` of them, holding at most
    about twice `limit` windows at any time.

    Each window gets a random key from the seed's generator in stream order; the `limit`
    smallest keys win (a uniform subset without replacement, in stream order). While the
    stream has no more than `limit` windows, every window is kept, in order."""

    def __init__(self, limit: int | None, seed: int):
        self.limit, self.rng = limit, np.random.default_rng(seed)
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.held = self.seen = 0
        self.names: dict[str, int] = {}

    def add(self, windows: np.ndarray, controls: np.ndarray | None, source: str) -> None:
        n = len(windows)
        controls = np.zeros((n, 0), np.int16) if controls is None else controls
        code = self.names.setdefault(source, len(self.names))
        keys = self.rng.random(n) if self.limit is not None else np.zeros(n)
        self.parts.append((np.asarray(windows), np.asarray(controls), np.full(n, code, np.int32),
                           keys))
        self.seen += n
        self.held += n
        if self.limit is not None and self.held > max(2 * self.limit, 1024):
            self._prune()

    def _prune(self) -> None:
        columns = [np.concatenate(column) for column in zip(*self.parts)]
        if len(columns[0]) > self.limit:
            kept = np.sort(np.argpartition(columns[3], self.limit)[:self.limit])
            columns = [column[kept] for column in columns]
        self.parts, self.held = [tuple(columns)], len(columns[0])

    def result(self, converter) -> LabelledWindows:
        empty = np.zeros((0, converter.window_steps), np.int16)
        has_controls = bool(ctl.control_depth(converter))
        if not self.parts:
            return LabelledWindows(empty, np.array([], str), empty if has_controls else None)
        if self.limit is not None:
            self._prune()
        windows, controls, codes, _ = (np.concatenate(c) for c in zip(*self.parts))
        names = np.array(list(self.names), str)
        return LabelledWindows(windows, names[codes], controls if has_controls else None)


def windows_by_sequence(sequences: Iterable[music_pb2.NoteSequence], converter
                        ) -> Iterator[tuple[np.ndarray, np.ndarray | None, str]]:
    """(inference windows, control classes or None, source) of each sequence that has windows,
    one at a time."""
    for sequence in sequences:
        windows, controls = ctl.split(converter.to_windows(sequence))
        if len(windows):
            yield windows, controls, sequence.collection_name


def labelled_windows(sequences: Iterable[music_pb2.NoteSequence], converter, *,
                     limit: int | None = None, seed: int = 0) -> LabelledWindows:
    """Every inference window of the sequences, in order, labelled with its sequence's source;
    with `limit`, a seeded uniform subset of at most `limit` of them (in order), taken while
    the sequences stream by, so memory stays within about twice `limit` windows."""
    sample = WindowSample(limit, seed)
    for windows, controls, source in windows_by_sequence(sequences, converter):
        sample.add(windows, controls, source)
    return sample.result(converter)


def split_windows(paths: Sequence[str | Path], converter, *, limit: int | None = None,
                  seed: int = 0) -> LabelledWindows:
    """Every inference window of the sequences in the TFRecord files, in file order (or a
    seeded subset of `limit`, as `labelled_windows`), reading the files as a stream."""
    return labelled_windows(read_note_sequences([str(p) for p in paths]), converter,
                            limit=limit, seed=seed)
