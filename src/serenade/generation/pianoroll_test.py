import numpy as np
import pytest

from serenade.generation.pianoroll import midi_to_png, plot_piano_roll, plot_strip
from serenade.conversion import converter_for_config
from serenade.melody import events as ev
from serenade.testing import scale_melody, write_midi_tracks


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
