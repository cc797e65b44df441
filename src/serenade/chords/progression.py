"""The chord symbol sounding at every step of a quantized piece, read or inferred.

Chord-conditioned configs take their chords from the NoteSequence's CHORD_SYMBOL text
annotations; a piece without any gets them from note-seq's chord inference (one chord
per bar, from the notes of the piece), as magenta's converter does. A step before the
first chord has "N.C." (no chord); a chord lasts until the next one. As note-seq's
`event_list_chords`: only chords before the piece's last quantized step count, steps
past the end keep the last chord, and two different chords on one step are an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from note_seq import chord_inference, constants
from note_seq.protobuf import music_pb2

NO_CHORD = constants.NO_CHORD
CHORD_SYMBOL = music_pb2.NoteSequence.TextAnnotation.CHORD_SYMBOL

# note-seq (pinned at 0.0.5) rebuilds its key-chord transition matrix, a constant of the
# inference's probabilities, in a Python double loop on every call: 0.9 of the ~1.1 s it takes
# to infer a chorale's chords. Training infers chords per draw (after transposition, as
# magenta), so the matrix is kept per set of probabilities; its entries are unchanged.
_build_transitions = chord_inference._key_chord_transition_distribution
_transitions: dict[tuple, np.ndarray] = {}


def _kept_transitions(key_chord_distribution, key_change_prob, chord_change_prob):
    key = (np.asarray(key_chord_distribution).tobytes(), key_change_prob, chord_change_prob)
    if key not in _transitions:
        _transitions[key] = _build_transitions(key_chord_distribution, key_change_prob,
                                               chord_change_prob)
        _transitions[key].flags.writeable = False  # shared: no caller may change it
    return _transitions[key]


chord_inference._key_chord_transition_distribution = _kept_transitions


class ChordProblem(ValueError):
    """A piece whose chords cannot be read or inferred; the message says why."""


def has_chords(sequence: music_pb2.NoteSequence) -> bool:
    return any(ta.annotation_type == CHORD_SYMBOL for ta in sequence.text_annotations)


def ensure_chords(quantized: music_pb2.NoteSequence) -> bool:
    """Infer chords into `quantized` (in place) when it has none; True when inferred."""
    if has_chords(quantized):
        return False
    try:
        chord_inference.infer_chords_for_sequence(quantized)
    except chord_inference.ChordInferenceError as error:
        raise ChordProblem(f"chords cannot be inferred: {error}") from None
    return True


def step_chords(quantized: music_pb2.NoteSequence) -> list[str]:
    """Chord figure of every step 0..total_quantized_steps - 1."""
    total = quantized.total_quantized_steps
    annotations = sorted((ta for ta in quantized.text_annotations
                          if ta.annotation_type == CHORD_SYMBOL and ta.quantized_step < total),
                         key=lambda ta: ta.quantized_step)
    chords = [NO_CHORD] * total
    previous: tuple[int, str] | None = None
    for ta in annotations:
        if previous is not None and previous[0] == ta.quantized_step and previous[1] != ta.text:
            raise ChordProblem(f"chords {previous[1]!r} and {ta.text!r} start on the same step "
                               f"({ta.quantized_step})")
        chords[ta.quantized_step:] = [ta.text] * (total - ta.quantized_step)
        previous = (ta.quantized_step, ta.text)
    return chords


def chords_at(chords: Sequence[str], steps: Iterable[int]) -> tuple[str, ...]:
    """Chords at `steps`; a step past the end keeps the last chord."""
    pad = chords[-1] if chords else NO_CHORD
    return tuple(chords[s] if s < len(chords) else pad for s in steps)


def spread(figures: Sequence[str], steps: int) -> tuple[str, ...]:
    """A chord progression spread evenly over `steps` steps, as magenta.js's
    `ChordEncoder.encodeProgression`: step s has figures[floor(s * len(figures) / steps)]
    (4 chords over a 2-bar window: one per half bar; 2 chords: one per bar)."""
    if not figures:
        raise ValueError("a chord progression needs at least one chord")
    if len(figures) > steps:
        raise ValueError(f"{len(figures)} chords do not fit in {steps} steps")
    return tuple(figures[s * len(figures) // steps] for s in range(steps))
