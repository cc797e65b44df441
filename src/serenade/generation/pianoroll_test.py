import numpy as np
import pytest

from serenade.generation.pianoroll import midi_to_png, plot_piano_roll, plot_strip
from serenade.conversion import converter_for_config
from serenade.melody import events as ev

from testing.music_files import scale_melody, write_midi_tracks


def _image(path):
    import matplotlib.image

    return matplotlib.image.imread(str(path))


def _dark_columns(image):
    """Columns of the image holding note colour (dark blue), as a boolean vector."""
    rgb = image[..., :3]
    blue = (rgb[..., 2] > rgb[..., 0] + 0.15)
    return blue.any(axis=0)


def test_png_beside_midi_shows_notes(tmp_path):
    midi = write_midi_tracks(tmp_path / "tune.mid", [{"notes": scale_melody(4)}])
    png = midi_to_png(midi)
    assert png == tmp_path / "tune.png"
    image = _image(png)
    assert image.shape[0] == 300 and image.shape[2] in (3, 4)
    # notes span most of the plotting width (4 bars of continuous eighths)
    columns = _dark_columns(image)
    assert columns.sum() > 0.5 * image.shape[1]


def test_empty_sequence_still_draws(tmp_path):
    converter = converter_for_config("cat-mel_2bar_small")
    silent = converter.to_note_sequence(np.zeros(32, np.int16))
    path = plot_piano_roll(silent, tmp_path / "silent.png")
    assert not _dark_columns(_image(path)).any()


def test_strip_has_one_panel_per_sequence(tmp_path):
    converter = converter_for_config("cat-mel_2bar_small")
    rows = []
    for pitch in (60, 67, 74):
        row = np.zeros(32, np.int16)
        row[0] = ev.note_on(pitch)
        rows.append(converter.to_note_sequence(row))
    path = plot_strip(rows, tmp_path / "strip.png", titles=["a", "b", "c"], title="test")
    image = _image(path)
    assert image.shape[1] > 3 * 150
    # three separate groups of note columns, one per panel
    columns = _dark_columns(image).astype(int)
    starts = np.flatnonzero(np.diff(np.concatenate([[0], columns])) == 1)
    assert len(starts) == 3
    with pytest.raises(ValueError):
        plot_strip([], tmp_path / "none.png")


def _red_columns(image):
    rgb = image[..., :3]
    return ((rgb[..., 0] > rgb[..., 2] + 0.2) & (rgb[..., 0] > rgb[..., 1] + 0.2)).any(axis=0)


def test_drums_are_drawn_on_a_grid_of_kit_pieces(tmp_path):
    drums = converter_for_config("cat-drums_2bar_small")
    window = np.zeros(32, np.int64)
    window[::4] = 0b1  # kick on every beat
    window[4::8] |= 0b10  # snare on 2 and 4
    sequence = drums.to_note_sequence(window)
    assert {note.is_drum for note in sequence.notes} == {True}
    image = _image(plot_piano_roll(sequence, tmp_path / "drums.png"))
    columns = _red_columns(image)
    starts = np.flatnonzero(np.diff(np.concatenate([[0], columns.astype(int)])) == 1)
    assert len(starts) == 8  # one mark per beat across two bars
    assert not _dark_columns(image).any()  # no pitched notes
    strip = _image(plot_strip([sequence, sequence], tmp_path / "strip.png"))
    assert _red_columns(strip).sum() > 2 * columns.sum() * 0.5


def test_each_instrument_has_its_own_colour_and_drums_their_own_panel(tmp_path):
    midi = write_midi_tracks(tmp_path / "trio.mid", [
        {"notes": scale_melody(2)},
        {"program": 33, "notes": [(36 + i % 5, 0.5 * i, 0.5 * i + 0.4) for i in range(16)]},
        {"is_drum": True, "notes": [(36, 0.25 * i, 0.25 * i + 0.1) for i in range(32)]},
    ])
    image = _image(midi_to_png(midi))
    assert image.shape[0] == 450  # pitched parts above, the drum grid below
    rgb = image[..., :3]
    orange = (rgb[..., 0] > rgb[..., 2] + 0.3) & (rgb[..., 1] > rgb[..., 2] + 0.05)
    assert _dark_columns(image).any() and orange.any() and _red_columns(image).any()
