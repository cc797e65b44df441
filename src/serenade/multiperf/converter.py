"""MultiPerformanceConverter: NoteSequence -> multi-instrument performance windows (and back),
as magenta's `MultiInstrumentPerformanceConverter` (music_vae/data_hierarchical.py).

Steps for one sequence:
0. (training, with a `transpose_range`) transpose the whole sequence by one random amount, as
   magenta's `NoteSequenceAugmenter` does before its converter (`serenade.melody.transposition`:
   drums stay, pitches pushed outside 0..127 are deleted, chord symbols move along);
1. split at tempo and time-signature changes; each piece is converted alone;
2. apply the sustain pedal (note ends move to the pedal's release);
3. with chords: a piece without CHORD_SYMBOL annotations gets chords inferred (note-seq's
   chord inference on the piece quantized at `steps_per_quarter`); failure: no windows;
4. cut the piece every `hop_size_bars` bars (in seconds, at the piece's tempo); quantize each
   cut at 24 steps per quarter; a cut whose bar is not 96 steps ends the piece with no windows;
5. per cut: a pitch outside `min_pitch..max_pitch` rejects it; one performance per instrument
   number (note-seq's `MetricPerformance`, with velocity bins), cut to the hop's steps;
   fewer than `min_num_instruments` or more than `max_num_instruments` tracks reject it;
   tracks are sorted by (is drum, program); each is split into chunks of `chunk_size_bars`
   bars (notes held across a chunk boundary are dropped); a chunk of more than
   `max_events_per_instrument - 2` events (room for the program and end tokens), or fewer
   than `min_total_events` events over all tracks, rejects it; with chords, each event gets
   the chord at its step (coincident chords or an unencodable one reject it);
6. each track becomes [program token, events..., end token]; missing tracks are a lone end
   token; every track is padded to `max_events_per_instrument` rows.

A window is int16 [max_num_chunks * max_num_instruments * max_events_per_instrument] (512 for
the configs): the class of each row of magenta's flat one-hot tensor, -1 for its all-zero
padding rows. Classes: 0..359 performance events (note-on 0..127, note-off 128..255, time shift
1..96 steps at 256..351, velocity bins 1..8 at 352..359), 360 + program (0..127) and 488 for
drums: the program token, 489: the end token (depth 490). Controls (chords) are int16 of the
same shape: the triad chord class (0..48) per row, -1 for padding. `lengths` gives magenta's
per-track lengths [n, chunks * instruments].
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from note_seq import (chord_inference, chord_symbols_lib, chords_encoder_decoder, chords_lib,
                      constants, events_lib, performance_encoder_decoder, sequences_lib)
from note_seq.protobuf import music_pb2

from serenade.melody.converter_base import ConverterBase
from serenade.melody.diagnostics import count_tracks
from serenade.melody.pieces import LocatedWindow, Piece, split_on_time_changes
from serenade.melody.rendering import write_midi
from serenade.melody.transposition import check_range, transposed
from serenade.multiperf.diagnostics import MultiPerformanceReport, few_instruments
from serenade.multiperf.performance import MetricPerformance, extract_tracks, split_performance

CHORD_SYMBOL = music_pb2.NoteSequence.TextAnnotation.CHORD_SYMBOL
NUM_PROGRAMS = constants.MAX_MIDI_PROGRAM - constants.MIN_MIDI_PROGRAM + 1  # 128
PAD = -1  # class of an all-zero row
QUANTIZE_ERRORS = (sequences_lib.BadTimeSignatureError, events_lib.NonIntegerStepsPerBarError,
                   sequences_lib.NegativeTimeError)


class _Rejected(Exception):
    """A piece gives no windows at all (magenta returns empty tensors for it)."""


@dataclass(frozen=True)
class MultiPerformanceWindow:
    """One window and where it came from."""

    events: np.ndarray  # int16 [window_steps]
    controls: np.ndarray | None  # int16 [window_steps] chord classes (chords configs)
    lengths: np.ndarray  # int32 [chunks * instruments]
    piece: int
    start_bar: int  # within the piece
    instruments: tuple[int, ...]  # the note-seq instrument of each track, in window order


@dataclass(frozen=True)
class MultiPerformanceConverter(ConverterBase):
    """Settings of magenta's MultiInstrumentPerformanceConverter; its names and defaults, and
    the transposition range of the configs' `NoteSequenceAugmenter` (training only).

    `chords`: condition on triad chords (magenta's `chord_encoding=TriadChordOneHotEncoding()`).
    `drop_tracks_and_truncate` (random, training only in magenta) is not used by any config and
    not implemented.
    """

    num_velocity_bins: int = 0
    max_tensors_per_notesequence: int | None = None
    hop_size_bars: int = 1
    chunk_size_bars: int = 1
    steps_per_quarter: int = 24
    quarters_per_bar: int = 4
    min_num_instruments: int = 2
    max_num_instruments: int = 8
    min_total_events: int = 8
    max_events_per_instrument: int = 64
    min_pitch: int = constants.MIN_MIDI_PITCH
    max_pitch: int = constants.MAX_MIDI_PITCH
    first_subsequence_only: bool = False
    chords: bool = False
    transpose_range: tuple[int, int] | None = None  # magenta's augmenter's, not its converter's

    def __post_init__(self) -> None:
        if self.hop_size_bars < 1 or self.chunk_size_bars < 1:
            raise ValueError("hop_size_bars and chunk_size_bars must be at least 1")
        check_range(self.transpose_range)

    # -- sizes and classes ----------------------------------------------------------

    @property
    def slice_bars(self) -> int:
        return self.hop_size_bars

    @property
    def max_num_chunks(self) -> int:
        return self.hop_size_bars // self.chunk_size_bars

    @property
    def num_tracks(self) -> int:
        """Track slots of a window: chunks x instruments (magenta's `length_shape`)."""
        return self.max_num_chunks * self.max_num_instruments

    @property
    def window_steps(self) -> int:
        """Rows of a window: 512 for the configs (1 chunk x 8 instruments x 64 events)."""
        return self.num_tracks * self.max_events_per_instrument

    @property
    def max_shift_steps(self) -> int:
        """The longest time shift event: 4 quarters (magenta's)."""
        return 4 * self.steps_per_quarter

    @functools.cached_property
    def encoding(self) -> performance_encoder_decoder.PerformanceOneHotEncoding:
        """note-seq's performance event encoding (max shift: `max_shift_steps`)."""
        return performance_encoder_decoder.PerformanceOneHotEncoding(
            num_velocity_bins=self.num_velocity_bins,
            max_shift_steps=self.max_shift_steps,
            min_pitch=self.min_pitch, max_pitch=self.max_pitch)

    @functools.cached_property
    def chord_encoding(self) -> chords_encoder_decoder.TriadChordOneHotEncoding | None:
        return chords_encoder_decoder.TriadChordOneHotEncoding() if self.chords else None

    @property
    def num_event_classes(self) -> int:
        """Performance event classes (360 with 8 velocity bins)."""
        return self.encoding.num_classes

    @property
    def end_token(self) -> int:
        return self.num_event_classes + NUM_PROGRAMS + 1

    @property
    def depth(self) -> int:
        """Input and output depth of the model tensors (490 for the configs)."""
        return self.end_token + 1

    @property
    def num_classes(self) -> int:
        return self.depth

    @property
    def part_depths(self) -> tuple[int, ...]:
        return (self.depth,)

    @property
    def part_names(self) -> tuple[str, ...]:
        return ("performance",)

    @property
    def no_event_class(self) -> int:
        return PAD

    @property
    def kit_pieces(self) -> tuple[str, ...]:
        return ()

    def kit_hits(self, windows: np.ndarray) -> np.ndarray:
        return np.zeros(np.shape(windows) + (0,), bool)

    def starts_event(self, windows: np.ndarray) -> np.ndarray:
        """Rows that start a note (note-on classes)."""
        windows = np.asarray(windows)
        return (windows >= 0) & (windows < self.max_pitch - self.min_pitch + 1)

    @property
    def polyphonic(self) -> bool:
        """Windows hold chords and several instruments: music is measured by its notes
        (`serenade.generation.polyphony`), not by melody, drum or part features."""
        return True

    @property
    def padded_tracks(self) -> bool:
        """Windows are tracks of `max_events_per_instrument` rows padded with class -1 (the
        model reads each track up to its length: `serenade.models`)."""
        return True

    @property
    def control_depth(self) -> int:
        """Chord classes (49 triads and no-chord) with chords, 0 without."""
        return self.chord_encoding.num_classes if self.chords else 0

    @property
    def control_pad_class(self) -> int:
        return self.chord_encoding.encode_event(constants.NO_CHORD)

    def program_token(self, program: int, is_drum: bool) -> int:
        return self.num_event_classes + (NUM_PROGRAMS if is_drum else program)

    # -- one-hot tensors as magenta's ----------------------------------------------------

    @staticmethod
    def _one_hot(classes: np.ndarray, depth: int) -> np.ndarray:
        classes = np.asarray(classes)
        out = np.zeros(classes.shape + (depth,), bool)
        rows = classes >= 0
        out[rows, classes[rows].astype(np.int64)] = True
        return out

    def one_hot(self, windows: np.ndarray) -> np.ndarray:
        """bool [..., window_steps, depth]: magenta's inputs (= outputs); padding rows zero."""
        return self._one_hot(windows, self.depth)

    def controls(self, classes: np.ndarray) -> np.ndarray:
        """bool [..., window_steps, control_depth]: magenta's chord controls."""
        return self._one_hot(classes, self.control_depth)

    def lengths(self, windows: np.ndarray) -> np.ndarray:
        """int32 [..., chunks * instruments]: rows of each track (magenta's lengths)."""
        windows = np.asarray(windows)
        tracks = windows.reshape(windows.shape[:-1] + (self.num_tracks,
                                                       self.max_events_per_instrument))
        return (tracks >= 0).sum(-1).astype(np.int32)

    # -- NoteSequence -> windows -------------------------------------------------

    def _new_report(self, sequence: music_pb2.NoteSequence) -> MultiPerformanceReport:
        report = MultiPerformanceReport(self.min_num_instruments, self.max_num_instruments,
                                        notes=len(sequence.notes))
        count_tracks(report, sequence)
        return report

    def _windows_by_piece(self, sequence: music_pb2.NoteSequence
                          ) -> tuple[list[list[MultiPerformanceWindow]], MultiPerformanceReport]:
        report = self._new_report(sequence)
        by_piece = []
        for index, ns in enumerate(split_on_time_changes(sequence)):
            start = ns.subsequence_info.start_time_offset
            numerator, denominator, qpm = 4, 4, 120.0
            if ns.time_signatures:
                numerator, denominator = ns.time_signatures[0].numerator, \
                    ns.time_signatures[0].denominator
            if ns.tempos:
                qpm = ns.tempos[0].qpm
            piece = Piece(index=index, start_time=start, end_time=start + ns.total_time,
                          numerator=numerator, denominator=denominator, qpm=qpm,
                          steps_per_bar=self.steps_per_bar)
            report.pieces.append(piece)
            try:
                windows = self._piece_windows(ns, piece, report)
            except _Rejected as error:
                piece.problem = str(error)
                windows = []
            by_piece.append(windows)
            for window in windows:
                for instrument in set(window.instruments):
                    report.track(instrument).windows += 1
            report.windows += len(windows)
        return by_piece, report

    def _quantize(self, ns: music_pb2.NoteSequence) -> music_pb2.NoteSequence:
        try:
            quantized = sequences_lib.quantize_note_sequence(ns, self.steps_per_quarter)
            steps = sequences_lib.steps_per_bar_in_quantized_sequence(quantized)
        except sequences_lib.BadTimeSignatureError:
            raise _Rejected("unusable time signature") from None
        except events_lib.NonIntegerStepsPerBarError:
            raise _Rejected("the time signature gives bars of a fractional number of steps") \
                from None
        except sequences_lib.NegativeTimeError:
            raise _Rejected("notes at negative times") from None
        if steps != self.steps_per_bar:
            metre = quantized.time_signatures[0] if quantized.time_signatures else None
            shown = f"{metre.numerator}/{metre.denominator}" if metre else "4/4"
            steps = int(steps) if float(steps).is_integer() else round(steps, 2)
            raise _Rejected(f"time signature {shown} gives {steps}-step bars; multi-instrument "
                            f"performances need {self.steps_per_bar}-step bars (4/4 or 2/2)")
        return quantized

    def _infer_chords(self, ns: music_pb2.NoteSequence) -> None:
        if any(ta.annotation_type == CHORD_SYMBOL for ta in ns.text_annotations):
            return
        quantized = self._quantize(ns)
        try:
            chord_inference.infer_chords_for_sequence(quantized)
        except chord_inference.ChordInferenceError as error:
            raise _Rejected(f"chords could not be inferred ({error})") from None
        for qta in quantized.text_annotations:
            if qta.annotation_type == CHORD_SYMBOL:
                ns.text_annotations.add(annotation_type=CHORD_SYMBOL, time=qta.time,
                                        text=qta.text)

    def _piece_windows(self, ns: music_pb2.NoteSequence, piece: Piece,
                       report: MultiPerformanceReport) -> list[MultiPerformanceWindow]:
        ns = sequences_lib.apply_sustain_control_changes(ns)
        if self.chords:
            self._infer_chords(ns)
        qpm = ns.tempos[0].qpm if ns.tempos else constants.DEFAULT_QUARTERS_PER_MINUTE
        quarters_per_bar = self.steps_per_bar / self.steps_per_quarter
        hop_seconds = 60.0 * quarters_per_bar * self.hop_size_bars / qpm
        cuts = sequences_lib.split_note_sequence(ns, hop_seconds)
        if self.first_subsequence_only and len(cuts) > 1:
            raise _Rejected(f"longer than {self.hop_size_bars} bar(s) "
                            "(first_subsequence_only)")
        windows = []
        reasons = []
        for bar, cut in enumerate(cuts):
            quantized = self._quantize(cut)
            window, reason = self._cut_window(quantized, piece.index,
                                              bar * self.hop_size_bars)
            if window is None:
                reasons.append(reason)
            else:
                windows.append(window)
        for reason in reasons:  # only once the whole piece quantized (else it gives nothing)
            report.bar_reasons[reason] += 1
        return windows

    def _cut_window(self, quantized: music_pb2.NoteSequence, piece: int, start_bar: int
                    ) -> tuple[MultiPerformanceWindow | None, str]:
        if any(not self.min_pitch <= n.pitch <= self.max_pitch for n in quantized.notes):
            return None, f"a pitch outside {self.min_pitch}..{self.max_pitch}"
        hop_steps = self.steps_per_bar * self.hop_size_bars
        tracks = extract_tracks(quantized, hop_steps, self.num_velocity_bins)
        if len(tracks) < self.min_num_instruments:
            return None, few_instruments(len(tracks), self.min_num_instruments)
        if len(tracks) > self.max_num_instruments:
            return None, (f"more than {self.max_num_instruments} instruments play in the bar "
                          f"({len(tracks)})")
        ordered = sorted(tracks, key=lambda pair: (pair[1].is_drum, pair[1].program))
        instruments = tuple(instrument for instrument, _ in ordered)
        tracks = [track for _, track in ordered]
        chunk_steps = self.steps_per_bar * self.chunk_size_bars
        chunks: list[list[MetricPerformance]] = [[] for _ in range(self.max_num_chunks)]
        total = 0
        limit = self.max_events_per_instrument - 2
        for track in tracks:
            track.set_length(hop_steps)

            def new_performance(quantized_sequence, start_step, track=track):
                return MetricPerformance(
                    quantized_sequence=quantized_sequence,
                    steps_per_quarter=self.steps_per_quarter if quantized_sequence is None
                    else None,
                    start_step=start_step, num_velocity_bins=self.num_velocity_bins,
                    program=track.program, is_drum=track.is_drum)

            track_chunks = split_performance(track, chunk_steps, new_performance,
                                             clip_tied_notes=True)
            assert len(track_chunks) == self.max_num_chunks
            sizes = [len(chunk) for chunk in track_chunks]
            if not all(size <= limit for size in sizes):
                return None, (f"a track has more than {limit} performance events in a "
                              f"{self.chunk_size_bars}-bar chunk")
            if not all(constants.MIN_MIDI_PROGRAM <= t.program <= constants.MAX_MIDI_PROGRAM
                       for t in track_chunks if not t.is_drum):
                return None, "a program outside 0..127"
            total += sum(sizes)
            for i, chunk in enumerate(track_chunks):
                chunks[i].append(chunk)
        if total < self.min_total_events:
            return None, f"fewer than {self.min_total_events} performance events in all"

        events = np.full((self.max_num_chunks, self.max_num_instruments,
                          self.max_events_per_instrument), PAD, np.int16)
        controls = np.full_like(events, PAD) if self.chords else None
        events[:, :, 0] = self.end_token  # a missing track is a lone end token
        if controls is not None:
            controls[:, :, 0] = self.control_pad_class
        for c, chunk_tracks in enumerate(chunks):
            for t, track in enumerate(chunk_tracks):
                tokens = ([self.program_token(track.program, track.is_drum)] +
                          [self.encoding.encode_event(e) for e in track] + [self.end_token])
                events[c, t, :len(tokens)] = tokens
            if controls is not None:
                try:
                    track_chords = chords_lib.event_list_chords(quantized, chunk_tracks)
                except chords_lib.CoincidentChordsError:
                    return None, "two chords at the same time"
                try:
                    for t, chords in enumerate(track_chords):
                        tokens = [self.control_pad_class] + [
                            self.chord_encoding.encode_event(chord) for chord in chords]
                        tokens.append(tokens[-1])
                        controls[c, t, :len(tokens)] = tokens
                except (chord_symbols_lib.ChordSymbolError,
                        chords_encoder_decoder.ChordEncodingError):
                    return None, "a chord that cannot be encoded as a triad"
        flat = events.reshape(-1)
        return MultiPerformanceWindow(
            events=flat, controls=None if controls is None else controls.reshape(-1),
            lengths=self.lengths(flat), piece=piece, start_bar=start_bar,
            instruments=instruments), ""

    def _stack(self, rows: list[np.ndarray]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.window_steps), self.window_dtype)
        return np.stack(rows).astype(self.window_dtype)

    def _located(self, window: MultiPerformanceWindow, bar_offset: int,
                 qpm: float) -> LocatedWindow:
        return LocatedWindow(events=window.events, track=window.instruments[0],
                             bar=bar_offset + window.start_bar, qpm=qpm,
                             controls=window.controls)

    def extract(self, sequence: music_pb2.NoteSequence):
        """Every window (and with chords, their controls) and the diagnostics, in one pass."""
        by_piece, report = self._windows_by_piece(sequence)
        found = [w for windows in by_piece for w in windows]
        windows = self._stack([w.events for w in found])
        if self.chords:
            return (windows, self._stack([w.controls for w in found])), report
        return windows, report

    def to_windows(self, sequence: music_pb2.NoteSequence, *, training: bool = False,
                   rng: np.random.Generator | None = None):
        """Every window (magenta's `to_tensors` as class indices); with chords, a pair
        (windows, control classes). Training with `max_tensors_per_notesequence`: at most that
        many at random, per piece then over the sequence (as magenta), of the sequence
        transposed by a random amount of `transpose_range` first."""
        if not training:
            found = self.windows_with_origin(sequence)
            windows = self._stack([w.events for w in found])
            if self.chords:
                return windows, self._stack([w.controls for w in found])
            return windows
        rng = rng if rng is not None else np.random.default_rng()
        amount = self.draw_transposition(bool(sequence.notes), rng)
        return self.draw_training_windows(self.training_pieces(sequence, amount), rng)

    def training_pieces(self, sequence: music_pb2.NoteSequence, amount: int = 0
                        ) -> list[np.ndarray]:
        """The windows of each piece of the sequence transposed by `amount`: int16 [n,
        window_steps], or with chords [n, window_steps, 2] (each row's class and chord class)."""
        sequence = transposed(sequence, amount)
        pieces = []
        for windows in self._windows_by_piece(sequence)[0]:
            events = self._stack([w.events for w in windows])
            if self.chords:
                events = np.stack([events, self._stack([w.controls for w in windows])], axis=-1)
            pieces.append(events)
        return pieces

    def draw_training_windows(self, pieces: list[np.ndarray], rng: np.random.Generator):
        """At most `max_tensors_per_notesequence` windows (all without a cap): per piece, then
        over the sequence; with chords, (windows, control classes)."""
        drawn = super().draw_training_windows(pieces, rng) if any(len(p) for p in pieces) \
            else self._stack([])
        if not self.chords:
            return drawn
        if drawn.ndim == 2:  # none drawn
            return drawn, self._stack([])
        return drawn[..., 0], drawn[..., 1]

    # -- windows -> NoteSequence ---------------------------------------------------

    def from_windows(self, windows: np.ndarray, controls: np.ndarray | None = None,
                     qpm: float = constants.DEFAULT_QUARTERS_PER_MINUTE
                     ) -> list[music_pb2.NoteSequence]:
        """One NoteSequence per window (magenta's `from_tensors`)."""
        windows = np.asarray(windows).reshape(-1, self.window_steps)
        if controls is not None:
            controls = np.asarray(controls).reshape(-1, self.window_steps)
        return [self._decode(window, None if controls is None else controls[i], qpm)
                for i, window in enumerate(windows)]

    def to_note_sequence(self, windows: np.ndarray, *, qpm: float = 120.0, velocity: int = 80,
                         program: int = 0, controls: np.ndarray | None = None
                         ) -> music_pb2.NoteSequence:
        """Windows that follow one another -> one NoteSequence (each window's chunks after the
        previous one's, track slot k of every window as instrument k). Velocities and programs
        come from the windows: `velocity` and `program` are ignored."""
        windows = np.asarray(windows).reshape(-1)
        if controls is not None:
            controls = np.asarray(controls).reshape(-1)
        return self._decode(windows, controls, qpm)

    def to_midi(self, windows: np.ndarray, path, chords: np.ndarray | None = None, *,
                qpm: float = 120.0, velocity: int = 80, program: int = 0):
        """Windows that follow one another -> a MIDI file at `path` (with chords, the control
        classes of their rows, the decoded NoteSequence's chord symbols, which MIDI files do not
        keep). Velocities and programs come from the windows."""
        return write_midi(self.to_note_sequence(windows, qpm=qpm, controls=chords), path)

    def _decode(self, window: np.ndarray, controls: np.ndarray | None,
                qpm: float) -> music_pb2.NoteSequence:
        """magenta's `_to_single_notesequence` on class rows (a zero row decodes as argmax 0)."""
        seconds_per_step = 60.0 / (self.steps_per_quarter * qpm)
        chunk_steps = self.steps_per_bar * self.chunk_size_bars
        rows = np.maximum(np.asarray(window, np.int64), 0).reshape(
            -1, self.max_num_instruments, self.max_events_per_instrument)
        control_rows = None if controls is None or not self.chords else np.maximum(
            np.asarray(controls, np.int64), 0).reshape(rows.shape)
        seq = music_pb2.NoteSequence()
        seq.tempos.add().qpm = qpm
        seq.ticks_per_quarter = constants.STANDARD_PPQ
        tracks: list[list[MetricPerformance]] = [[] for _ in range(self.max_num_instruments)]
        timed_chords = []
        n_events = self.num_event_classes
        for c, chunk in enumerate(rows):
            offset = c * chunk_steps
            for instrument, tokens in enumerate(chunk):
                tokens = tokens.tolist()
                if self.end_token in tokens:
                    tokens = tokens[:tokens.index(self.end_token)]
                programs = [t for t in tokens if t >= n_events]
                kept = [i for i, t in enumerate(tokens) if t < n_events]
                program, is_drum = 0, False
                if programs:
                    program = programs[0] - n_events
                    if program == constants.MAX_MIDI_PROGRAM + 1:
                        program, is_drum = 0, True
                track = MetricPerformance(quantized_sequence=None,
                                          steps_per_quarter=self.steps_per_quarter,
                                          start_step=0, num_velocity_bins=self.num_velocity_bins,
                                          program=program, is_drum=is_drum)
                for i in kept:
                    track.append(self.encoding.decode_event(tokens[i]))
                if control_rows is not None:
                    chord_tokens = control_rows[c, instrument]
                    chords = [self.chord_encoding.decode_event(int(chord_tokens[i]))
                              for i in kept]
                    times = [(offset + step) * seconds_per_step for step in track.steps
                             if step < chunk_steps]
                    timed_chords += zip(times, chords)
                track.set_length(chunk_steps)
                tracks[instrument].append(track)
        for instrument, track_chunks in enumerate(tracks):
            track = track_chunks[0]
            for later in track_chunks[1:]:
                for event in later:
                    track.append(event)
            seq.notes.extend(track.to_sequence(instrument=instrument, qpm=qpm).notes)
        if seq.notes:
            seq.total_time = max(note.end_time for note in seq.notes)
        if control_rows is not None and timed_chords:
            times, chords = zip(*sorted(timed_chords))
            chords_lib.add_chords_to_sequence(seq, chords, times)
        return seq
