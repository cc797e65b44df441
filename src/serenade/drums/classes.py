"""Drum pitch classes: which MIDI drum pitches a converter keeps, and how it groups them.

magenta's drum converters map each General MIDI drum pitch to a class index and
forget the pitch; a pitch in no class is dropped. Decoding turns a class back
into the first pitch of its class (its exemplar: 36 for the kick class).

- REDUCED (9 classes, the default of magenta's DrumsConverter and note-seq's
  drum encoding): kick, snare, closed hi-hat, open hi-hat, low tom, mid tom,
  high tom, crash, ride. Used by cat-drums_2bar_* and nade-drums_2bar_reduced.
- FULL (61 classes, one per General MIDI percussion pitch 27..87):
  nade-drums_2bar_full. Pitches 22 and 26 (in REDUCED's hi-hat classes) are
  not in it.
- ROLAND (9 classes, the mapping of magenta's Roland TD-11 groove data; no
  drum config of this package uses it, kept for completeness).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from serenade.base.general_midi import drum_name

REDUCED_CLASS_NAMES = ("kick", "snare", "closed_hh", "open_hh", "low_tom", "mid_tom", "hi_tom",
                       "crash", "ride")

REDUCED_DRUM_PITCH_CLASSES: tuple[tuple[int, ...], ...] = (
    (36, 35),                                                        # kick
    (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),    # snare
    (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22),                    # closed hi-hat
    (46, 67, 72, 74, 79, 81, 26),                                    # open hi-hat
    (45, 29, 41, 43, 61, 64, 84),                                    # low tom
    (48, 47, 60, 63, 77, 86, 87),                                    # mid tom
    (50, 30, 62, 76, 83),                                            # high tom
    (49, 52, 55, 57, 58),                                            # crash
    (51, 53, 59, 82),                                                # ride
)

# One class per pitch, in this order (magenta's: the REDUCED classes' pitches regrouped).
FULL_DRUM_PITCH_CLASSES: tuple[tuple[int, ...], ...] = tuple((pitch,) for pitch in (
    36, 35, 38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85, 42, 44,
    54, 68, 69, 70, 71, 73, 78, 80, 46, 67, 72, 74, 79, 81, 45, 29, 41, 61, 64,
    84, 48, 47, 60, 63, 77, 86, 87, 50, 30, 43, 62, 76, 83, 49, 55, 57, 58, 51,
    52, 53, 59, 82))

ROLAND_DRUM_PITCH_CLASSES: tuple[tuple[int, ...], ...] = (
    (36,), (38, 37, 40), (42, 22, 44), (46, 26), (43, 58), (47, 45), (50, 48),
    (49, 52, 55, 57), (51, 53, 59))


@dataclass(frozen=True)
class PitchClasses:
    """A drum pitch -> class map; class i holds `classes[i]`, whose first pitch is its exemplar."""

    name: str
    classes: tuple[tuple[int, ...], ...]
    _index: dict[int, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.classes or any(not pitches for pitches in self.classes):
            raise ValueError("every drum class needs at least one pitch")
        if len(self.classes) > 62:
            raise ValueError("at most 62 classes (windows keep a class set as an int64 bit mask)")
        index: dict[int, int] = {}
        for i, pitches in enumerate(self.classes):
            for pitch in pitches:
                if not 0 <= pitch <= 127:
                    raise ValueError(f"drum pitch {pitch} is outside 0..127")
                index[pitch] = i  # as magenta: a pitch listed twice belongs to its last class
        object.__setattr__(self, "_index", index)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def names(self) -> tuple[str, ...]:
        """A short name per class: the reduced map's own, else the exemplar's General MIDI name."""
        if self.classes == REDUCED_DRUM_PITCH_CLASSES:
            return REDUCED_CLASS_NAMES
        return tuple(drum_name(self.exemplar(i)).lower().replace(" ", "_")
                     for i in range(self.num_classes))

    @property
    def pitches(self) -> frozenset[int]:
        """Every pitch some class keeps."""
        return frozenset(self._index)

    def class_of(self, pitch: int) -> int | None:
        """The class of a drum pitch; None when the converter drops it."""
        return self._index.get(pitch)

    def exemplar(self, drum_class: int) -> int:
        """The pitch decoding writes for a class: the first of its pitches."""
        return self.classes[drum_class][0]


REDUCED = PitchClasses("reduced", REDUCED_DRUM_PITCH_CLASSES)
FULL = PitchClasses("full", FULL_DRUM_PITCH_CLASSES)
ROLAND = PitchClasses("roland", ROLAND_DRUM_PITCH_CLASSES)
