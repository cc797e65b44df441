"""ChordMelodyConverter: melody windows with the chord of every step as control, as magenta's
`OneHotMelodyConverter(chord_encoding=TriadChordOneHotEncoding())`.

Per piece (after the melody converter's split, program and pitch filter, quantization):
1. chords: the piece's CHORD_SYMBOL annotations, or chords inferred from its notes (the
   notes kept after filtering) when it has none; a piece whose chords cannot be inferred,
   or with two different chords on one step, gives nothing;
2. melodies are extracted and sliced exactly as without chords;
3. each window carries the chord at each of its steps (absolute steps of the piece);
4. duplicates are removed over (events, chords) pairs: the same melody over other chords
   is another window;
5. a piece where a window's chord is not a triad the encoding knows (e.g. "Csus4")
   gives nothing at all (magenta drops the whole piece, not the window).
Training transposes the sequence, chord symbols included, before conversion.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
from note_seq import sequences_lib
from note_seq.protobuf import music_pb2

from serenade.chords import encoding, voicing
from serenade.chords.progression import (ChordProblem, chords_at, ensure_chords, spread,
                                         step_chords)
from serenade.melody import events as ev
from serenade.melody.converter import MelodyConverter
from serenade.melody.extraction import extract_track_melodies
from serenade.melody.pieces import (LocatedWindow, bar_offsets, first_tempo, quantize_piece,
                                    split_on_time_changes)
from serenade.melody.rendering import windows_to_note_sequence, write_midi
from serenade.melody.transposition import transposed
from serenade.melody.windows import sample_at_most, slice_melody

CHORD_SYMBOL = music_pb2.NoteSequence.TextAnnotation.CHORD_SYMBOL


@dataclass(frozen=True)
class ChordWindow:
    """A melody window, its chords (class per step), and where it came from."""

    events: tuple[int, ...]  # raw melody events
    chords: tuple[int, ...]  # triad class per step
    piece: int
    start_step: int
    instrument: int


@dataclass(frozen=True)
class ChordReport:
    """Why a sequence gives no chord windows (a converter's `extract` report)."""

    reason: str

    def explain(self) -> str:
        return self.reason

    def track_problems(self) -> list[str]:
        return []

    def why_track(self, instrument: int) -> str:
        return ""


@dataclass(frozen=True)
class ChordMelodyConverter:
    """A melody converter whose windows carry the chord of each step as control."""

    melody: MelodyConverter

    @property
    def window_steps(self) -> int:
        return self.melody.window_steps

    @property
    def num_classes(self) -> int:
        return ev.NUM_CLASSES

    @property
    def control_depth(self) -> int:
        """Width of a step's control vector: the triad one-hot."""
        return encoding.NUM_CLASSES

    # The windows themselves are melody windows: these are the melody converter's.
    @property
    def steps_per_bar(self) -> int:
        return self.melody.steps_per_bar

    @property
    def part_depths(self) -> tuple[int, ...]:
        return self.melody.part_depths

    @property
    def part_names(self) -> tuple[str, ...]:
        return self.melody.part_names

    @property
    def decoder_inputs(self) -> None:
        return self.melody.decoder_inputs

    @property
    def encoder_inputs(self) -> None:
        return self.melody.encoder_inputs

    @property
    def kit_pieces(self) -> tuple[str, ...]:
        return self.melody.kit_pieces

    def kit_hits(self, windows: np.ndarray) -> np.ndarray:
        return self.melody.kit_hits(windows)

    @property
    def no_event_class(self) -> int:
        return self.melody.no_event_class

    def starts_event(self, windows: np.ndarray) -> np.ndarray:
        return self.melody.starts_event(windows)

    @property
    def transpose_range(self) -> tuple[int, int] | None:
        return self.melody.transpose_range

    # -- NoteSequence -> windows -------------------------------------------------

    def _piece_windows(self, piece: music_pb2.NoteSequence, index: int,
                       problems: list[str]) -> list[ChordWindow]:
        m = self.melody
        kept = [n for n in piece.notes if m._keeps(n)]
        del piece.notes[:]
        piece.notes.extend(kept)
        quantized_piece = quantize_piece(piece, index, m.steps_per_quarter, m.steps_per_bar)
        if quantized_piece.problem:
            problems.append(quantized_piece.problem)
            return []
        quantized = sequences_lib.quantize_note_sequence(piece, m.steps_per_quarter)
        try:
            ensure_chords(quantized)
        except ChordProblem as problem:
            problems.append(str(problem))
            return []
        tracks: dict[int, list] = {}
        for note in quantized_piece.notes:
            tracks.setdefault(note.instrument, []).append(note)
        max_steps = m.steps_per_bar * m.max_bars if m.max_bars else None
        found = []
        for instrument, notes in tracks.items():
            melodies = extract_track_melodies(notes, m.steps_per_bar, gap_bars=m.gap_bars,
                                              min_bars=1, max_steps=max_steps).melodies
            for melody in melodies:
                for offset, events in slice_melody(melody.events, m.window_steps,
                                                   m.steps_per_bar):
                    found.append((melody.start_step + offset, instrument, events))
        if not found:
            return []
        try:
            chords = step_chords(quantized)
        except ChordProblem as problem:
            problems.append(str(problem))
            return []
        found.sort(key=lambda item: (item[0], item[1]))
        seen: set = set()
        windows = []
        for start, instrument, events in found:
            figures = chords_at(chords, range(start, start + len(events)))
            if (events, figures) in seen:
                continue
            seen.add((events, figures))
            windows.append((start, instrument, events, figures))
        encoded = []
        for start, instrument, events, figures in windows:
            try:
                classes = tuple(encoding.encode_chords(figures).tolist())
            except encoding.UnencodableChord as problem:
                problems.append(f"{problem}: the whole part is skipped")
                return []
            encoded.append(ChordWindow(events, classes, index, start, instrument))
        return encoded

    def _windows_by_piece(self, sequence: music_pb2.NoteSequence, problems: list[str]
                          ) -> list[list[ChordWindow]]:
        return [self._piece_windows(piece, index, problems) for index, piece in
                enumerate(split_on_time_changes(sequence, self.melody.presplit_on_time_changes))]

    def windows_with_origin(self, sequence: music_pb2.NoteSequence) -> list[ChordWindow]:
        """Every distinct (melody, chords) window, by piece, start step, then track."""
        return [w for windows in self._windows_by_piece(sequence, []) for w in windows]

    def located_windows(self, sequence: music_pb2.NoteSequence) -> list[LocatedWindow]:
        """Every window (inference order) as class indices with its chord classes as
        controls, its track, bar and tempo (bars counted as the melody converter counts them)."""
        offsets = bar_offsets(self.melody.analyze(sequence).pieces)
        located = []
        for window in self.windows_with_origin(sequence):
            offset, qpm = offsets.get(window.piece, (0, first_tempo(sequence)))
            located.append(LocatedWindow(ev.encode(np.asarray(window.events)), window.instrument,
                                         offset + window.start_step // self.steps_per_bar, qpm,
                                         np.asarray(window.chords, np.int16)))
        return located

    def analyze(self, sequence: music_pb2.NoteSequence):
        """The melody converter's per-piece and per-track diagnostics: a chord window is a
        melody window first (`explain` adds why chords were not found)."""
        return self.melody.analyze(sequence)

    def to_windows(self, sequence: music_pb2.NoteSequence, *, training: bool = False,
                   rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(events int16 [n, steps], chord classes int16 [n, steps]).

        Inference (default): every window. Training: transposition by a random amount of
        the config's range (chord symbols move along), then at most
        `max_tensors_per_notesequence` windows at random, per piece then overall.
        """
        if not training:
            return self._stack(self.windows_with_origin(sequence))
        rng = rng if rng is not None else np.random.default_rng()
        amount = self.draw_transposition(bool(sequence.notes), rng)
        return self.draw_training_windows(self.training_pieces(sequence, amount), rng)

    # Training draws in two steps, as the melody converter's (a data pipeline caches the first).

    def with_transposition(self, transpose_range: tuple[int, int] | None
                           ) -> "ChordMelodyConverter":
        return ChordMelodyConverter(self.melody.with_transposition(transpose_range))

    def draw_transposition(self, has_notes: bool, rng: np.random.Generator) -> int:
        return self.melody.draw_transposition(has_notes, rng)

    def training_pieces(self, sequence: music_pb2.NoteSequence, amount: int = 0
                        ) -> list[np.ndarray]:
        """The windows of each piece of the sequence transposed by `amount` (chords along),
        int16 [n, steps, 2]: each step's event and chord class."""
        sequence = transposed(sequence, amount)
        return [np.stack(self._stack(windows), axis=-1)
                for windows in self._windows_by_piece(sequence, [])]

    def draw_training_windows(self, pieces: list[np.ndarray], rng: np.random.Generator
                              ) -> tuple[np.ndarray, np.ndarray]:
        """(events, chord classes) of at most `max_tensors_per_notesequence` windows: per
        piece, then over the sequence, as magenta."""
        limit = self.melody.max_tensors_per_notesequence
        chosen = []
        for windows in pieces:
            chosen.extend(sample_at_most(list(windows), limit, rng))
        chosen = sample_at_most(chosen, limit, rng)
        if not chosen:
            return self._stack([])
        stacked = np.stack(chosen).astype(np.int16)
        return stacked[..., 0], stacked[..., 1]

    def _stack(self, windows: list[ChordWindow]) -> tuple[np.ndarray, np.ndarray]:
        steps = self.window_steps
        if not windows:
            return np.zeros((0, steps), np.int16), np.zeros((0, steps), np.int16)
        events = ev.encode(np.asarray([w.events for w in windows]).reshape(-1))
        chords = np.asarray([w.chords for w in windows], dtype=np.int16)
        return events.reshape(len(windows), steps).astype(np.int16), chords

    def extract(self, sequence: music_pb2.NoteSequence
                ) -> tuple[tuple[np.ndarray, np.ndarray], ChordReport]:
        """Every window with its chords (as `to_windows` in inference) and why there are none."""
        converted = self.to_windows(sequence)
        return converted, ChordReport("" if len(converted[0]) else self.explain(sequence))

    def progression(self, figures: list[str]) -> np.ndarray:
        """Chord classes int16 [steps] of a progression spread evenly over a window, as
        magenta.js's `chordProgression` (`progression.spread`); UnencodableChord or ValueError
        for a chord that is not a triad or a progression that does not fit."""
        return encoding.encode_chords(spread(figures, self.window_steps))

    def chord_tone_onsets(self, windows: np.ndarray, chords: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
        """(onsets over a chord, those on one of its tones), bool [..., steps] each, for
        windows [..., steps] and their chord classes (broadcast: [steps] for every window)."""
        windows = np.asarray(windows)
        chords = np.broadcast_to(np.asarray(chords), windows.shape)
        onsets = (windows >= ev.FIRST_NOTE_ON) & (chords > 0)
        pitch_class = (np.maximum(windows - ev.FIRST_NOTE_ON, 0) + ev.MIN_PITCH) % 12
        return onsets, onsets & encoding.TONES[chords, pitch_class]

    def controls(self, chords: np.ndarray) -> np.ndarray:
        """Chord classes [..., steps] -> the model's control tensors, bool [..., steps, 49]."""
        return encoding.one_hot(chords)

    def explain(self, sequence: music_pb2.NoteSequence) -> str:
        """Why `sequence` gives no windows; '' when it gives some."""
        problems: list[str] = []
        if any(self._windows_by_piece(sequence, problems)):
            return ""
        melody_reason = self.melody.explain(sequence)
        reasons = list(dict.fromkeys(problems))
        if melody_reason and not reasons:
            return melody_reason
        return "; ".join(reasons) or melody_reason or "no window found"

    # -- windows -> NoteSequence ---------------------------------------------------

    def to_note_sequence(self, events: np.ndarray, chords: np.ndarray | None = None, *,
                         qpm: float = 120.0, velocity: int = 80, program: int = 0,
                         chord_part: bool = False) -> music_pb2.NoteSequence:
        """Events [steps] (or [n, steps]) and their chord classes -> a NoteSequence with the
        chords as CHORD_SYMBOL annotations (one where the chord changes) and, with
        `chord_part`, played as soft block chords under the melody (`chords.voicing`)."""
        m = self.melody
        sequence = windows_to_note_sequence(events, steps_per_quarter=m.steps_per_quarter,
                                            quarters_per_bar=m.quarters_per_bar, qpm=qpm,
                                            velocity=velocity, program=program)
        if chords is not None:
            seconds_per_step = 60.0 / qpm / m.steps_per_quarter
            current = None
            for step, index in enumerate(np.asarray(chords).reshape(-1).tolist()):
                figure = encoding.decode_chord(index)
                if figure != current:
                    current = figure
                    sequence.text_annotations.add(time=step * seconds_per_step, text=figure,
                                                  annotation_type=CHORD_SYMBOL)
            if chord_part:
                voicing.add_chord_part(sequence, chords, seconds_per_step, velocity, program)
        return sequence

    def to_midi(self, events: np.ndarray, path: str | Path, chords: np.ndarray | None = None, *,
                qpm: float = 120.0, velocity: int = 80, program: int = 0) -> Path:
        """Events [steps] (or [n, steps]) -> a MIDI file; the chords, when given, as MIDI text
        events where they change (note-seq writes no text annotations, and reads none)."""
        sequence = self.to_note_sequence(events, chords, qpm=qpm, velocity=velocity,
                                         program=program)
        return self.write_note_sequence(sequence, path, qpm)

    @staticmethod
    def write_note_sequence(sequence: music_pb2.NoteSequence, path: str | Path,
                            qpm: float) -> Path:
        """Write a constant-tempo NoteSequence as MIDI with its chord symbols as text events
        (note-seq writes no text annotations, and reads none)."""
        path = write_midi(sequence, path)
        texts = [(ta.time, ta.text) for ta in sequence.text_annotations
                 if ta.annotation_type == CHORD_SYMBOL]
        if texts:
            _add_text_events(path, texts, qpm)
        return path


def _add_text_events(path: Path, texts: list[tuple[float, str]], qpm: float) -> None:
    """Add (seconds, text) as text meta events to the first track of a constant-tempo file."""
    midi = mido.MidiFile(str(path))
    track = midi.tracks[0]
    ticks_per_second = midi.ticks_per_beat * qpm / 60.0
    timed, tick = [], 0
    for message in track:
        tick += message.time
        timed.append((tick, 1, message))
    for time, text in texts:
        timed.append((round(time * ticks_per_second), 0, mido.MetaMessage("text", text=text)))
    end = [item for item in timed if item[2].type == "end_of_track"]
    timed = sorted((item for item in timed if item[2].type != "end_of_track"),
                   key=lambda item: (item[0], item[1]))
    last = max([tick for tick, _, _ in timed] + [tick for tick, _, _ in end])
    track.clear()
    previous = 0
    for tick, _, message in timed:
        track.append(message.copy(time=tick - previous))
        previous = tick
    track.append(mido.MetaMessage("end_of_track", time=last - previous))
    midi.save(str(path))
