"""Drum windows as bit masks, and the tensors magenta's DrumsConverter makes of them.

A drum event (one step) is the set of drum classes hit at that step. Here it is
kept as an integer bit mask: bit c set <=> class c is hit (0 = nothing). A window
is an int64 array [steps] of masks.

Tensors (bool, as magenta's converter):
- roll [steps, classes]: multi-hot, column c = bit c;
- roll input [steps, classes + 1]: the roll plus a last "nothing hit" column
  (set where the whole row is 0); the input of every drum config here;
- one-hot [steps, 2**classes]: class index = the mask itself, i.e. magenta's
  MultiDrumOneHotEncoding with bit i for drum class i (kick = 1, snare = 2,
  kick + snare = 3, ..., all 9 = 511); the output of the cat-drums configs;
- roll output [steps, classes]: the output of the NADE configs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def mask_of(classes: Iterable[int]) -> int:
    """Bit mask of a set of classes."""
    mask = 0
    for c in classes:
        mask |= 1 << int(c)
    return mask


def classes_of(mask: int) -> frozenset[int]:
    """The classes in a bit mask."""
    mask = int(mask)
    if mask < 0:
        raise ValueError(f"negative drum mask {mask}")
    return frozenset(i for i in range(mask.bit_length()) if mask >> i & 1)


def _masks(windows) -> np.ndarray:
    masks = np.asarray(windows, dtype=np.int64)
    if masks.size and masks.min() < 0:
        raise ValueError("drum masks must be non-negative")
    return masks


def to_roll(windows, num_classes: int) -> np.ndarray:
    """Masks [..., steps] -> bool roll [..., steps, num_classes]."""
    masks = _masks(windows)
    if masks.size and int(masks.max()) >> num_classes:
        raise ValueError(f"a mask has a bit at or above {num_classes} classes")
    return (masks[..., None] >> np.arange(num_classes, dtype=np.int64)) & 1 == 1


def to_roll_input(windows, num_classes: int) -> np.ndarray:
    """Masks -> bool [..., steps, num_classes + 1]: the roll and its 'nothing hit' column."""
    roll = to_roll(windows, num_classes)
    return np.concatenate([roll, ~roll.any(axis=-1, keepdims=True)], axis=-1)


def to_one_hot(windows, num_classes: int) -> np.ndarray:
    """Masks -> bool one-hot [..., steps, 2**num_classes] (class index = mask)."""
    masks = _masks(windows)
    depth = 1 << num_classes
    if masks.size and masks.max() >= depth:
        raise ValueError(f"a mask does not fit {num_classes} classes")
    return np.eye(depth, dtype=bool)[masks]


def from_roll(roll) -> np.ndarray:
    """Roll [..., steps, classes] (bool, or 0/1 samples: any non-zero is a hit) -> masks."""
    hits = np.asarray(roll) != 0
    weights = np.left_shift(np.int64(1), np.arange(hits.shape[-1], dtype=np.int64))
    return (hits.astype(np.int64) * weights).sum(axis=-1)


def from_one_hot(scores) -> np.ndarray:
    """One-hot or scores [..., steps, 2**classes] -> masks by argmax (first maximum wins)."""
    return np.argmax(np.asarray(scores), axis=-1).astype(np.int64)
