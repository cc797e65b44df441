"""From NoteSequences to any model's windows and back: the converter of each config name
(`converters`; the configs themselves are `serenade.registry`'s), what a converter offers
(`protocol`), many files on a process pool (`parallel`) and the windows of a dataset split
(`splits`)."""

from serenade.conversion.converters import converter_for_config, count_windows

__all__ = ["converter_for_config", "count_windows"]
