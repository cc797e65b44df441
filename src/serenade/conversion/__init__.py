"""From NoteSequences to any model's windows and back: the converter of each config name
(`registry`), what a converter offers (`protocol`), many files on a process pool (`parallel`)
and the windows of a dataset split (`splits`)."""

from serenade.conversion.registry import CONFIG_NAMES, converter_for_config, count_windows, family_of

__all__ = ["CONFIG_NAMES", "converter_for_config", "count_windows", "family_of"]
