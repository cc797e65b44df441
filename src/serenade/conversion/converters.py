"""The data converter of every model config, whatever its family (melody, drums, trio...).

A config's entry in `serenade.registry` names its converter; the converters themselves are
the families' (`serenade.<family>.configs.CONVERTERS`), and this module is the one place that
looks them up, so the rest of Serenade never asks which family a config belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from serenade.chords import configs as chord_configs
from serenade.conversion.protocol import WindowConverter
from serenade.drums import configs as drum_configs
from serenade.groove import configs as groove_configs
from serenade.groove.converter import GrooveConverter
from serenade.melody import configs as melody_configs
from serenade.multiperf import configs as multiperf_configs
from serenade.registry import config_entry, family_of
from serenade.trio import configs as trio_configs

if TYPE_CHECKING:  # the family packages import note-seq (and silence its pydub warning) first
    from note_seq.protobuf import music_pb2

# family -> its converters by name (the families of serenade.registry.FAMILIES)
CONVERTERS = {"melody": melody_configs.CONVERTERS, "drums": drum_configs.CONVERTERS,
              "trio": trio_configs.CONVERTERS, "chords": chord_configs.CONVERTERS,
              "groove": groove_configs.CONVERTERS, "multiperf": multiperf_configs.CONVERTERS}


def converter_for_config(name: str) -> WindowConverter:
    """The converter a config uses; ValueError naming the known configs otherwise."""
    return CONVERTERS[family_of(name)][config_entry(name).converter]


# The mode a GrooVAE config's windows are counted in: the one training draws from (magenta's
# training pitch classes, the Roland TD-11 kit's), so a count of 0 means "nothing to learn".
GROOVE_COUNT_MODE = "train"


def count_windows(sequence: music_pb2.NoteSequence, config_name: str) -> int:
    """How many windows inference would extract (every window, no cap); for a GrooVAE config
    the windows training draws (`GROOVE_COUNT_MODE`): `UnmappedDrumPitch` (a KeyError) when a
    note's pitch is in none of its training classes."""
    converter = converter_for_config(config_name)
    if isinstance(converter, GrooveConverter):  # float windows: no `windows_with_origin`
        return len(converter.to_tensors(sequence, GROOVE_COUNT_MODE))
    return len(converter.windows_with_origin(sequence))
