"""The one table of model configs: a config name (magenta's spelling) -> its `ConfigEntry`.

As in magenta's `CONFIG_MAP`, one entry binds a config's model (encoder, decoder), hparams and
data converter. Each family (melody, drums, trio, chords, groove, multiperf) registers its entries
in a module of its own here and its converters, by the names the entries give, in
`serenade.<family>.configs`.
The entries are plain data: every layer reads them without loading TensorFlow or note-seq.
`serenade.models.configs.get_config` makes a `ModelConfig` of an entry and
`serenade.conversion.converter_for_config` finds its converter; nothing else lists configs.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from serenade.registry import chords, drums, groove, melody, multiperf, trio
from serenade.registry.entry import ConfigEntry, Hierarchy

# family -> its entries; a new family adds its module here (and its converters to
# serenade.conversion.converters.CONVERTERS).
FAMILIES: Mapping[str, tuple[ConfigEntry, ...]] = MappingProxyType({
    "melody": melody.CONFIGS, "drums": drums.CONFIGS, "trio": trio.CONFIGS,
    "chords": chords.CONFIGS, "groove": groove.CONFIGS, "multiperf": multiperf.CONFIGS})


def by_name(families: Mapping[str, tuple[ConfigEntry, ...]]
            ) -> dict[str, tuple[str, ConfigEntry]]:
    """Config name -> (family, entry); ValueError for a name registered twice."""
    found: dict[str, tuple[str, ConfigEntry]] = {}
    for family, entries in families.items():
        for entry in entries:
            if entry.name in found:
                raise ValueError(f"config {entry.name} is registered twice ({found[entry.name][0]}"
                                 f" and {family})")
            found[entry.name] = (family, entry)
    return found


_CONFIGS = by_name(FAMILIES)

CONFIG_NAMES: tuple[str, ...] = tuple(_CONFIGS)


def _known(name: str) -> tuple[str, ConfigEntry]:
    try:
        return _CONFIGS[name]
    except KeyError:
        raise ValueError(f"unknown config {name!r}; known configs: "
                         f"{', '.join(CONFIG_NAMES)}") from None


def config_entry(name: str) -> ConfigEntry:
    """The entry of config `name`; ValueError naming the known configs otherwise."""
    return _known(name)[1]


def family_of(name: str) -> str:
    """The family ("melody", "drums", "trio", "chords", "groove", "multiperf") of config `name`."""
    return _known(name)[0]


def magenta_configs(family: str) -> tuple[str, ...]:
    """The names of magenta's own configs of `family` (not ours, the small test models)."""
    return tuple(entry.name for entry in FAMILIES[family] if entry.magenta)


__all__ = ["CONFIG_NAMES", "FAMILIES", "ConfigEntry", "Hierarchy", "by_name", "config_entry",
           "family_of", "magenta_configs"]
