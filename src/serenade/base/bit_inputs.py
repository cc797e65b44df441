"""Model inputs made of a class index's bits, for windows whose classes are bit masks.

A drum step is the set of drum classes hit, kept as one integer (bit c = class c hit). magenta
feeds such a step as its roll (`roll_input`: one 0/1 per drum class, and for the encoder one more
that is 1 when nothing is hit), never as a one-hot over every combination: with the 61 classes
of nade-drums_2bar_full there are 2**61 combinations. A converter says how a model reads its
classes with a `BitInputs` (or None: one-hot); models expand the bits on the fly
(`serenade.models.multi_hot`), so no table per class is ever built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_BITS = 62  # masks are int64: bits 0..61 keep them non-negative with room for -1 (no input)


@dataclass(frozen=True)
class BitInputs:
    """Class m is read as [bit 0 of m, ..., bit `bits` - 1 of m], followed with `nothing_bit` by
    1 where m == 0 (magenta's roll input); a negative class (nothing fed, t = 0) reads as zeros."""

    bits: int
    nothing_bit: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.bits <= MAX_BITS:
            raise ValueError(f"bit inputs need 1..{MAX_BITS} bits, got {self.bits}")

    @property
    def depth(self) -> int:
        """Width of an input vector: the bits, plus the 'nothing' bit when there is one."""
        return self.bits + int(self.nothing_bit)

    def vectors(self, classes) -> np.ndarray:
        """float32 [..., depth] input vectors of int classes [...]."""
        classes = np.asarray(classes, np.int64)
        bits = (classes[..., None] >> np.arange(self.bits, dtype=np.int64)) & 1
        if self.nothing_bit:
            bits = np.concatenate([bits, (classes == 0)[..., None]], axis=-1)
        return np.where(classes[..., None] < 0, 0, bits).astype(np.float32)


def window_dtype(part_depths) -> np.dtype:
    """The integer type of windows with these classes per part: int16 up to 2**15 classes
    (every config but one), int64 for bit masks of more classes (nade-drums_2bar_full's 61)."""
    return np.dtype(np.int16 if max(int(d) for d in part_depths) <= 2**15 else np.int64)
