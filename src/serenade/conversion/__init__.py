"""From NoteSequences to any model's windows and back: the converter of each config name
(`converters`; the configs themselves are `serenade.registry`'s), what a converter offers
(`protocol`), many files on a process pool (`parallel`) and the windows of a dataset split
(`splits`). GrooVAE's converter, the one family of float windows, and its refusal of an
unmapped drum pitch are re-exported for training's window kinds."""

from serenade.conversion.converters import converter_for_config, count_windows
from serenade.groove.converter import GrooveConverter, UnmappedDrumPitch

__all__ = ["converter_for_config", "count_windows", "GrooveConverter", "UnmappedDrumPitch"]
