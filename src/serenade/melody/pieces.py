"""Split a NoteSequence at tempo and time-signature changes, and quantize each piece.

magenta converts each stretch of constant tempo and metre on its own: a change
of either starts a new piece (note-seq's `split_note_sequence_on_time_changes`,
notes crossing the change are cut there). Each piece is then quantized at a
fixed number of steps per quarter note; a piece whose metre cannot be
quantized, or whose bar is not the length the converter needs, yields nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from note_seq import sequences_lib
from note_seq.protobuf import music_pb2


@dataclass(frozen=True)
class QuantizedNote:
    """One note of a quantized piece; steps count from the start of the piece."""

    instrument: int
    program: int
    is_drum: bool
    pitch: int
    velocity: int
    start: int
    end: int


@dataclass
class Piece:
    """A stretch of constant tempo and time signature, quantized (or why it could not be)."""

    index: int
    start_time: float  # seconds from the start of the whole sequence
    end_time: float
    numerator: int = 4
    denominator: int = 4
    qpm: float = 120.0
    steps_per_bar: float | None = None
    notes: list[QuantizedNote] = field(default_factory=list)
    total_steps: int = 0  # note-seq's total_quantized_steps: the total time or the last note end
    problem: str = ""  # non-empty when the piece cannot give melodies

    @property
    def time_signature(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    def where(self) -> str:
        return f"{self.start_time:.2f}-{self.end_time:.2f} s"


@dataclass(frozen=True)
class LocatedWindow:
    """A window as the model reads it (class indices) and where it lies in its file: what a
    generation job needs to pick an input window, for any model family."""

    events: np.ndarray  # class indices [window_steps] (or [window_steps, parts])
    track: int  # the note-seq instrument number it came from (`serenade extract` shows them)
    bar: int  # bar of the file where it starts, 0-based, in the file's own bars
    qpm: float  # the tempo there
    controls: np.ndarray | None = None  # control classes [window_steps] (its chords), if any


def bar_offsets(pieces: list[Piece]) -> dict[int, tuple[int, float]]:
    """{piece index: (bars before the piece, its tempo)}: pieces have their own tempo and
    metre, so their bars are counted one by one."""
    offsets, bars_so_far = {}, 0.0
    for piece in pieces:
        offsets[piece.index] = (round(bars_so_far), piece.qpm)
        seconds_per_bar = 60.0 / piece.qpm * piece.numerator * 4.0 / piece.denominator
        bars_so_far += (piece.end_time - piece.start_time) / seconds_per_bar
    return offsets


def first_tempo(sequence: music_pb2.NoteSequence, default: float = 120.0) -> float:
    """The tempo at the start of a sequence (`default` without a tempo event)."""
    if not sequence.tempos:
        return default
    return float(min(sequence.tempos, key=lambda tempo: tempo.time).qpm)


def split_on_time_changes(sequence: music_pb2.NoteSequence,
                          split: bool = True) -> list[music_pb2.NoteSequence]:
    """Pieces of `sequence` with one tempo and one time signature each (copies).

    An empty sequence (total time 0) has no pieces, as in magenta.
    """
    if not split:
        copy = music_pb2.NoteSequence()
        copy.CopyFrom(sequence)
        return [copy] if copy.total_time > 0 else []
    return list(sequences_lib.split_note_sequence_on_time_changes(sequence))


def _current_metre(sequence: music_pb2.NoteSequence) -> tuple[int, int, float]:
    numerator, denominator, qpm = 4, 4, 120.0
    if sequence.time_signatures:
        first = min(sequence.time_signatures, key=lambda ts: ts.time)
        numerator, denominator = first.numerator, first.denominator
    if sequence.tempos:
        qpm = min(sequence.tempos, key=lambda t: t.time).qpm
    return numerator, denominator, qpm


def quantize_piece(piece: music_pb2.NoteSequence, index: int, steps_per_quarter: int,
                   required_steps_per_bar: int | None) -> Piece:
    """Quantize one piece (already filtered to the notes the converter keeps).

    Any problem note-seq's quantizer reports, and a bar length other than
    `required_steps_per_bar`, leaves `problem` set and `notes` empty.
    """
    start = piece.subsequence_info.start_time_offset
    numerator, denominator, qpm = _current_metre(piece)
    result = Piece(index=index, start_time=start, end_time=start + piece.total_time,
                   numerator=numerator, denominator=denominator, qpm=qpm)
    try:
        quantized = sequences_lib.quantize_note_sequence(piece, steps_per_quarter)
    except sequences_lib.BadTimeSignatureError:
        result.problem = f"unusable time signature {numerator}/{denominator}"
        return result
    except sequences_lib.NegativeTimeError:
        result.problem = "notes at negative times"
        return result
    except (sequences_lib.MultipleTimeSignatureError, sequences_lib.MultipleTempoError) as error:
        # magenta lets these escape; they cannot happen after splitting, but say so if they do.
        result.problem = f"tempo or time signature changes inside the piece ({error})"
        return result
    metre = quantized.time_signatures[0]
    result.numerator, result.denominator = metre.numerator, metre.denominator
    result.qpm = quantized.tempos[0].qpm
    result.steps_per_bar = sequences_lib.steps_per_bar_in_quantized_sequence(quantized)
    if required_steps_per_bar is not None and result.steps_per_bar != required_steps_per_bar:
        steps = result.steps_per_bar
        shown = int(steps) if float(steps).is_integer() else round(steps, 2)
        result.problem = (f"time signature {result.time_signature} gives {shown}-step bars; "
                          f"melodies need {required_steps_per_bar}-step bars (4/4 or 2/2)")
        return result
    result.notes = [QuantizedNote(n.instrument, n.program, n.is_drum, n.pitch, n.velocity,
                                  n.quantized_start_step, n.quantized_end_step)
                    for n in quantized.notes]
    result.total_steps = quantized.total_quantized_steps
    return result
