"""What the rest of Serenade asks of a data converter, for any model family.

A converter turns a NoteSequence into fixed-length windows of class indices (int [n, T], one
class per step, or int [n, T, P] with one class per part; `part_depths` says how many classes) with magenta's extraction rules, draws training windows
(with the family's augmentation), explains why a sequence gives no windows, and turns windows
back into a NoteSequence or a MIDI file. `serenade.melody.MelodyConverter` is the reference
implementation; the melody, drums and trio converters share what follows from their own
extraction in `serenade.melody.converter_base.ConverterBase`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np
from note_seq.protobuf import music_pb2

from serenade.base.bit_inputs import BitInputs
from serenade.melody.pieces import LocatedWindow


class ExtractionReport(Protocol):
    """Why a sequence, or a track of it, gives no windows (a converter's `extract`)."""

    def explain(self) -> str:
        """Why the sequence gives no windows; '' when it gives some."""

    def track_problems(self) -> list[str]:
        """One line per track that adds nothing ("track 2 'Drums' (drums): reason")."""

    def why_track(self, instrument: int) -> str:
        """Why track `instrument` gives no windows of its own; '' when it gives some."""


class WindowConverter(Protocol):
    @property
    def window_steps(self) -> int: ...

    @property
    def steps_per_bar(self) -> int: ...

    @property
    def part_depths(self) -> tuple[int, ...]:
        """Classes of each part of a step: (num_classes,) for single-part windows [n, T];
        several for multi-part windows [n, T, P] (a trio's melody, bass and drums)."""

    @property
    def part_names(self) -> tuple[str, ...]:
        """What each part is, in `part_depths` order: "melody" or "bass" (pitched, melody
        events), "drums" (kit pieces, see `kit_hits`)."""

    @property
    def no_event_class(self) -> int: ...

    @property
    def decoder_inputs(self) -> BitInputs | None:
        """How the decoder is fed each class: its bits (a drum roll); None: one-hot."""

    @property
    def encoder_inputs(self) -> BitInputs | None:
        """How the encoder reads each class: its bits (a drum roll); None: one-hot."""

    @property
    def kit_pieces(self) -> tuple[str, ...]:
        """Names of the drum kit pieces a drum part's class combines; () without a drum part."""

    def kit_hits(self, windows: np.ndarray) -> np.ndarray:
        """bool [..., steps, len(kit_pieces)]: which kit pieces each step hits (the drum part's,
        in multi-part windows)."""

    def starts_event(self, windows: np.ndarray) -> np.ndarray: ...

    def windows_with_origin(self, sequence: music_pb2.NoteSequence) -> list[Any]:
        """The family's own window records (raw events and origin), inference order."""

    def located_windows(self, sequence: music_pb2.NoteSequence) -> list[LocatedWindow]:
        """Every inference window as class indices with its track, bar and tempo (what a
        generation job picks its inputs from)."""

    def to_windows(self, sequence: music_pb2.NoteSequence, *, training: bool = False,
                   rng: np.random.Generator | None = None) -> np.ndarray: ...

    def draw_transposition(self, has_notes: bool, rng: np.random.Generator) -> int: ...

    def with_transposition(self, transpose_range: tuple[int, int] | None) -> "WindowConverter":
        """The same converter transposing training draws by a random amount in `transpose_range`
        (None: not at all; `train.transpose`). ValueError for a range where the family cannot
        transpose."""

    def training_pieces(self, sequence: music_pb2.NoteSequence, amount: int = 0
                        ) -> list[np.ndarray]: ...

    def draw_training_windows(self, pieces: list[np.ndarray],
                              rng: np.random.Generator) -> np.ndarray: ...

    def extract(self, sequence: music_pb2.NoteSequence) -> tuple[np.ndarray, ExtractionReport]:
        """Every inference window and why the sequence (or a track) gives none."""

    def analyze(self, sequence: music_pb2.NoteSequence) -> ExtractionReport: ...

    def explain(self, sequence: music_pb2.NoteSequence) -> str: ...

    def to_note_sequence(self, events: np.ndarray, *, qpm: float = 120.0, velocity: int = 80,
                         program: int = 0) -> music_pb2.NoteSequence: ...

    def to_midi(self, events: np.ndarray, path: str | Path, *, qpm: float = 120.0,
                velocity: int = 80, program: int = 0) -> Path: ...
