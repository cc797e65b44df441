import pytest
from note_seq import midi_io

from serenade.conversion import converter_for_config, count_windows
from serenade.conversion.converters import CONVERTERS
from serenade.melody import MelodyConverter
from serenade.registry import CONFIG_NAMES, FAMILIES, config_entry, family_of

from testing.fixtures import MAGENTA_FIXTURE_NAMES, magenta_fixture


@pytest.mark.parametrize("name, steps, programs, transpose", [
    ("cat-mel_2bar_small", 32, range(32), (-5, 5)),
    ("cat-mel_2bar_big", 32, range(32), (-5, 5)),
    ("cat-mel_2bar_tiny", 32, range(32), (-5, 5)),
    ("flat-mel_16bar", 256, None, None),
    ("flat-mel_16bar_tiny", 256, None, None),
    ("hierdec-mel_16bar", 256, None, None),
    ("hierdec-mel_16bar_tiny", 256, None, None),
    ("hier-mel_16bar", 256, None, None),
    ("hier-mel_16bar_tiny", 256, None, None),
])
def test_every_config_name(name, steps, programs, transpose):
    converter = converter_for_config(name)
    assert isinstance(converter, MelodyConverter)
    assert name in CONFIG_NAMES
    assert converter.window_steps == steps
    assert converter.valid_programs == programs
    assert converter.transpose_range == transpose
    assert (converter.max_bars, converter.gap_bars, converter.steps_per_quarter) == (100, 1.0, 4)
    assert converter.max_tensors_per_notesequence == 5
    assert (converter.min_pitch, converter.max_pitch, converter.num_classes) == (21, 108, 90)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="cat-mel_2bar_small.*hierdec-mel_16bar"):
        converter_for_config("mel_2bar")


@pytest.mark.parametrize("fixture", MAGENTA_FIXTURE_NAMES)
def test_count_windows_matches_magentas_counts(fixture):
    info = magenta_fixture(fixture)
    counts = [count_windows(midi_io.midi_file_to_note_sequence(str(case["path"])), info["config"])
              for case in info["cases"]]
    assert counts == [case["num_windows"] for case in info["cases"]]


def test_every_family_has_its_converters_and_every_converter_a_config():
    assert set(CONVERTERS) == set(FAMILIES)
    used = {(family_of(name), config_entry(name).converter) for name in CONFIG_NAMES}
    assert used == {(family, key) for family, table in CONVERTERS.items() for key in table}
