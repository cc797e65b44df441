"""Trio converter for each config name (magenta's configs.py, data side only).

magenta's three trio configs share one converter: 16-bar windows, 4 steps per
quarter, gaps of up to 2 bars bridged, no augmentation. They differ in the model only
(flat decoder, hierarchical decoder, hierarchical encoder and decoder).
"""

from __future__ import annotations

from note_seq.protobuf import music_pb2

from serenade.trio.converter import TrioConverter

TRIO_16BAR = TrioConverter(slice_bars=16, gap_bars=2, steps_per_quarter=4)

_CONVERTERS: dict[str, TrioConverter] = {
    "flat-trio_16bar": TRIO_16BAR,
    "hierdec-trio_16bar": TRIO_16BAR,
    "hier-trio_16bar": TRIO_16BAR,
}

CONFIG_NAMES: tuple[str, ...] = tuple(_CONVERTERS)


def converter_for_config(name: str) -> TrioConverter:
    """The converter a trio config uses; ValueError naming the known configs otherwise."""
    try:
        return _CONVERTERS[name]
    except KeyError:
        raise ValueError(f"unknown trio config {name!r}; known trio configs: "
                         f"{', '.join(CONFIG_NAMES)}") from None


def count_windows(sequence: music_pb2.NoteSequence, config_name: str) -> int:
    """How many windows inference would extract (every window, no cap)."""
    return len(converter_for_config(config_name).windows_with_origin(sequence))


def explain(sequence: music_pb2.NoteSequence, config_name: str) -> str:
    """Why `sequence` gives no windows for a trio config; '' when it gives some."""
    return converter_for_config(config_name).explain(sequence)
