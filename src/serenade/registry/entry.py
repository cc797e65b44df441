"""What one config is: magenta's `Config` (model, hparams, data converter) as plain data.

An entry names everything a config binds, so that every layer can read it without loading
TensorFlow or note-seq: `serenade.models.configs` builds the model from it and
`serenade.conversion` finds its converter by the name the entry gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


WINDOW_KINDS = ("classes", "groove")


@dataclass(frozen=True)
class Hierarchy:
    """How a hierarchical decoder splits the output: `level_lengths` = [bars, steps per bar].

    As magenta's hierdec configs: the conductor runs level_lengths[0] steps with zero inputs
    (autoregression disabled) and the core decoder level_lengths[1] steps per conductor step.
    """

    level_lengths: tuple[int, ...] = (16, 16)
    disable_autoregression: bool = True
    split_parts: bool = False  # one core decoder per part (magenta's SplitMultiOutLstmDecoder)


@dataclass(frozen=True)
class ConfigEntry:
    """One config: its model, its hparams and its data converter, as one entry of magenta's
    `CONFIG_MAP`.

    The model is magenta's MusicVAE(encoder, decoder):
    - encoder: a `BidirectionalLstmEncoder`, or with `encoder_level_lengths` (steps per segment,
      lowest level first) a `HierarchicalLstmEncoder` over it;
    - decoder: a flat LSTM decoder, or with `hierarchical` magenta's `HierarchicalLstmDecoder`
      over it; its output is a NADE over the step's bits when the hparams have
      `nade_num_hidden`, else one softmax per part of the converter's windows;
    - windows: `window_kind` "classes" (int class indices per step, every family above), or
      "groove" (GrooVAE: float [T, 3 * drums] hits, velocities and offsets read by the encoder
      as they are, decoded by magenta's `GrooveLstmDecoder`: `serenade.models.groove`).
    """

    name: str  # magenta's spelling
    converter: str  # the name of the converter in its family's `configs.CONVERTERS`
    hparams: Mapping[str, Any]  # overrides of magenta's defaults (models.configs.default_hparams)
    description: str
    hierarchical: Hierarchy | None = None
    encoder_level_lengths: tuple[int, ...] | None = None
    magenta: bool = True  # one of magenta's configs; False: ours (small models for tests)
    window_kind: str = "classes"  # "classes" or "groove" (float hit/velocity/offset windows)

    def __post_init__(self) -> None:
        if self.window_kind not in WINDOW_KINDS:
            raise ValueError(f"config {self.name}: window_kind must be one of {WINDOW_KINDS}, "
                             f"got {self.window_kind!r}")
        if self.window_kind == "groove" and (self.hierarchical or self.encoder_level_lengths):
            raise ValueError(f"config {self.name}: GrooVAE models are flat (magenta's "
                             "BidirectionalLstmEncoder and GrooveLstmDecoder)")
