import numpy as np
import pytest

from serenade.generation.features import feature_table, pitch_class_histogram, scalar_features
from serenade.melody import events as ev


def _window(pitches, every=2, steps=32):
    row = np.zeros(steps, np.int16)
    for i, pitch in enumerate(pitches):
        row[i * every] = ev.note_on(pitch)
    return row


def test_scale_run():
    c_major = [60, 62, 64, 65, 67, 69, 71, 72]
    f = scalar_features(_window(c_major, every=4))
    assert f["note_density"] == 4.0  # 8 notes in 2 bars
    assert f["pitch_range"] == 12
    assert f["mean_interval"] == pytest.approx(12 / 7)
    assert f["in_scale"] == 1.0
    # intervals 2 2 1 2 2 2 1: patterns (2,2,1) (2,1,2) (1,2,2) (2,2,2) (2,2,1), one repeat
    assert f["repetition"] == pytest.approx(1 / 5)
    assert f["mean_pitch"] == pytest.approx(np.mean(c_major))


def test_repeated_figure_and_chromatic_notes():
    figure = [60, 64, 67, 60, 64, 67, 60, 64]  # intervals 4 3 -7 4 3 -7 4
    f = scalar_features(_window(figure))
    # 3-interval patterns: (4,3,-7) (3,-7,4) (-7,4,3) (4,3,-7) (3,-7,4): two repeats of five
    assert f["repetition"] == pytest.approx(2 / 5)
    chromatic = scalar_features(_window(list(range(60, 72))))
    assert chromatic["in_scale"] == pytest.approx(7 / 12)
    assert pitch_class_histogram(_window([60, 72, 67])).tolist()[0] == pytest.approx(2 / 3)


def test_empty_and_single_note_windows():
    empty = scalar_features(np.zeros(32, np.int16))
    assert empty["note_density"] == 0 and np.isnan(empty["pitch_range"])
    one = scalar_features(_window([60]))
    assert one["pitch_range"] == 0 and np.isnan(one["mean_interval"])
    table = feature_table(np.stack([_window([60, 62]), np.zeros(32, np.int16)]))
    assert table["pitch_classes"].shape == (2, 12)
    assert table["note_density"].tolist() == [1.0, 0.0]


def test_drum_features_count_kit_piece_hits():
    from serenade.conversion import converter_for_config
    from serenade.generation.features import features_for

    drums = converter_for_config("cat-drums_2bar_small")
    features = features_for(drums)
    assert features.kind == "drums" and features.histogram == "kit_pieces"
    assert features.scalars[:3] == ("hits_per_bar", "kick_per_bar", "snare_per_bar")
    window = np.zeros((2, 32), np.int64)
    window[0, ::4] = 1  # kick on every beat: 4 a bar
    window[0, 4::8] |= 2  # snare on 2 and 4
    table = features.table(window)
    assert table["hits_per_bar"].tolist() == [6.0, 0.0]
    assert table["kick_per_bar"].tolist() == [4.0, 0.0]
    assert table["steps_with_hits"].tolist() == [8, 0]
    assert table["kit_pieces"][0, :2].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert table["kit_pieces"][1].sum() == 0
    assert features_for(converter_for_config("cat-mel_2bar_small")).kind == "melody"


def test_trio_features_per_part():
    from serenade.conversion import converter_for_config
    from serenade.generation.features import features_for
    from serenade.generation.metrics import music_metrics

    features = features_for(converter_for_config("hierdec-trio_16bar"))
    assert features.kind == "melody/bass/drums" and features.parts == ("melody", "bass", "drums")
    assert {"melody_note_density", "bass_in_scale", "hits_per_bar", "kick_per_bar"} <= set(features.scalars)
    trio = np.zeros((3, 256, 3), np.int16)
    trio[:, ::16, 0] = 2 + 60 - 21
    trio[:, ::4, 2] = 3  # kick and snare on every beat
    table = features.table(trio)
    assert table["melody_note_density"].tolist() == [1.0] * 3
    assert table["hits_per_bar"].tolist() == [8.0] * 3 and table["snare_per_bar"].tolist() == [4.0] * 3
    assert np.isnan(table["bass_mean_pitch"]).all()
    assert np.allclose(table["part_classes"].sum(axis=1), 2 / 3)  # the silent bass adds nothing
    metrics = music_metrics(trio, trio, features=features)
    assert metrics["part_distance"] == 0.0 and "oa_part_classes" in metrics
