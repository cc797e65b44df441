"""Windows of a dataset split (the NoteSequence TFRecords), with the source each came from:
training's evaluation windows, the music metrics' reference and the attribute vectors' labels.
With a converter with controls each window keeps its control classes (its chords) too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.base.tfrecords import read_note_sequences
from serenade.conversion import controls as ctl


@dataclass
class LabelledWindows:
    windows: np.ndarray  # int16 [n, T]
    sources: np.ndarray  # str [n]: collection_name (= source name) of each window's sequence
    controls: np.ndarray | None = None  # int16 [n, T] control classes (chords), if any

    def __len__(self) -> int:
        return len(self.windows)

    def with_label(self, label: str, labels_by_source: Mapping[str, Sequence[str]]) -> np.ndarray:
        """Boolean mask of the windows whose source carries `label`."""
        carriers = {name for name, labels in labels_by_source.items() if label in labels}
        return np.isin(self.sources, sorted(carriers)) if carriers else np.zeros(len(self), bool)

    def subsample(self, limit: int | None, seed: int) -> "LabelledWindows":
        if limit is None or len(self) <= limit:
            return self
        chosen = np.sort(np.random.default_rng(seed).choice(len(self), limit, replace=False))
        return LabelledWindows(self.windows[chosen], self.sources[chosen],
                               None if self.controls is None else self.controls[chosen])


def labelled_windows(sequences: Iterable[music_pb2.NoteSequence], converter) -> LabelledWindows:
    """Every inference window of the sequences, in order, labelled with its sequence's source."""
    parts, classes, sources = [], [], []
    for sequence in sequences:
        windows, controls = ctl.split(converter.to_windows(sequence))
        if len(windows):
            parts.append(windows)
            classes.append(controls)
            sources.extend([sequence.collection_name] * len(windows))
    empty = np.zeros((0, converter.window_steps), np.int16)
    has_controls = bool(ctl.control_depth(converter))
    if not parts:
        return LabelledWindows(empty, np.array([], str), empty if has_controls else None)
    return LabelledWindows(np.concatenate(parts), np.array(sources, str),
                           np.concatenate(classes) if has_controls else None)


def split_windows(paths: Sequence[str | Path], converter) -> LabelledWindows:
    """Every inference window of the sequences in the TFRecord files, in file order."""
    return labelled_windows(read_note_sequences([str(p) for p in paths]), converter)
