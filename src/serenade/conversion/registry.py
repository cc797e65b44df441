"""The data converter of every model config, whatever its family (melody, drums, trio...).

A config name (magenta's spelling) picks a model and the converter that turns NoteSequences
into its windows and back. Each family package keeps its own table of converters; this module
is the one place that looks a name up across them, so the rest of Serenade never asks which
family a config belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from serenade.chords import configs as chord_configs
from serenade.conversion.protocol import WindowConverter
from serenade.drums import configs as drum_configs
from serenade.melody import configs as melody_configs
from serenade.trio import configs as trio_configs

_FAMILIES = {"melody": melody_configs.CONVERTERS, "drums": drum_configs.CONVERTERS,
             "trio": trio_configs.CONVERTERS, "chords": chord_configs.CONVERTERS}

if TYPE_CHECKING:  # the family packages import note-seq (and silence its pydub warning) first
    from note_seq.protobuf import music_pb2

CONFIG_NAMES: tuple[str, ...] = tuple(name for table in _FAMILIES.values() for name in table)


def family_of(name: str) -> str:
    """The family ("melody", ...) of a config; ValueError naming the known configs otherwise."""
    for family, table in _FAMILIES.items():
        if name in table:
            return family
    raise ValueError(f"unknown config {name!r}; known configs: {', '.join(CONFIG_NAMES)}")


def converter_for_config(name: str) -> WindowConverter:
    """The converter a config uses; ValueError naming the known configs otherwise."""
    return _FAMILIES[family_of(name)][name]


def count_windows(sequence: music_pb2.NoteSequence, config_name: str) -> int:
    """How many windows inference would extract (every window, no cap)."""
    return len(converter_for_config(config_name).windows_with_origin(sequence))
