import pytest

from serenade.registry import (CONFIG_NAMES, FAMILIES, ConfigEntry, by_name, config_entry,
                               family_of, magenta_configs)


def test_every_name_once_in_family_order():
    assert CONFIG_NAMES == tuple(e.name for entries in FAMILIES.values() for e in entries)
    assert len(set(CONFIG_NAMES)) == len(CONFIG_NAMES)
    assert CONFIG_NAMES[0] == "cat-mel_2bar_small"
    assert family_of("hier-trio_16bar") == "trio"
    assert config_entry("nade-drums_2bar_full").converter == "nade_drums_2bar_full"


def test_a_name_registered_twice_is_refused():
    entry = ConfigEntry("x", "mel_2bar", {}, "")
    with pytest.raises(ValueError, match="config x is registered twice .melody and drums"):
        by_name({"melody": (entry,), "drums": (entry,)})


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError, match="unknown config 'mel_3bar'; known configs: "
                                         "cat-mel_2bar_small, "):
        config_entry("mel_3bar")


def test_magentas_own_configs_leave_ours_out():
    assert magenta_configs("trio") == ("flat-trio_16bar", "hierdec-trio_16bar", "hier-trio_16bar")
    assert not any(name.endswith("_tiny") for family in FAMILIES
                   for name in magenta_configs(family))
    ours = {e.name for entries in FAMILIES.values() for e in entries if not e.magenta}
    # Serenade's own full-size config (the shipped 16-bar model's) beside the tiny test ones
    assert {name for name in ours if not name.endswith("_tiny")} == {"hier-mel_16bar_2bar_units"}
    assert "hier-mel_16bar_2bar_units" not in magenta_configs("melody")
