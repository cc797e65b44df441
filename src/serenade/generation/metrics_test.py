import numpy as np
import pytest

from serenade.generation.metrics import (kde, memorisation_rate, music_metrics, overlap_area,
                                         training_keys)
from serenade.melody import events as ev
from serenade.base.midi_parser import read_midi
from serenade.conversion import converter_for_config
from serenade.paths import MAGENTA_FIXTURES


def test_kde_integrates_to_one_and_overlap_behaves():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 2000)
    grid = np.linspace(-8, 8, 2001)
    assert np.trapezoid(kde(a, grid), grid) == pytest.approx(1.0, abs=1e-3)
    assert overlap_area(a, rng.normal(0, 1, 2000)) > 0.9
    # two unit normals 2 sd apart overlap by 2 * Phi(-1) = 0.317
    assert overlap_area(a, rng.normal(2, 1, 2000)) == pytest.approx(0.317, abs=0.05)
    assert overlap_area(a, rng.normal(50, 1, 200)) < 1e-3
    assert np.isnan(overlap_area(a, np.array([np.nan])))


def _fixture_windows():
    converter = converter_for_config("cat-mel_2bar_small")
    cases = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases"
    return [converter.to_windows(read_midi(cases / name)) for name in
            ("bwv244.44_0.mid", "1556-1624_13.mid", "BlueStockingClog_0.mid",
             "LordJamesMurraysReel_0.mid")]


def test_real_sets_against_each_other_and_against_noise():
    bach, other, reel, reel2 = _fixture_windows()
    reference = np.concatenate([bach, other])
    same = music_metrics(reference, reference, train_keys=training_keys(reference))
    assert same["memorisation_rate"] == 1.0
    assert same["pitch_class_distance"] == 0.0
    rng = np.random.default_rng(1)
    noise = np.zeros((40, 32), np.int16)
    noise[:, ::2] = rng.integers(ev.FIRST_NOTE_ON, ev.NUM_CLASSES, (40, 16))  # random pitches
    random = music_metrics(noise, reference, train_keys=training_keys(reference))
    assert random["memorisation_rate"] == 0.0
    assert random["pitch_class_distance"] > 0.2
    for name in ("pitch_range", "mean_interval", "in_scale"):
        assert random[f"oa_{name}"] < same[f"oa_{name}"] - 0.2, name
    assert same["oa_pitch_range"] > 0.95
    assert random["mean_pitch_range"] > 3 * same["mean_pitch_range"]
    # transposed copies of training windows count as memorised
    up = bach.copy()
    up[up >= ev.FIRST_NOTE_ON] += 3
    assert memorisation_rate(up, training_keys(bach)) == 1.0
    folk = music_metrics(np.concatenate([reel, reel2]), reference, train_keys=training_keys(reference))
    assert folk["windows"] == len(reel) + len(reel2)
    assert 0 < folk["oa_note_density"] <= 1


def test_discrete_samples_that_agree_overlap_fully():
    rng = np.random.default_rng(3)
    # mostly zeros, like distances of an in-scale ratio that is nearly always 1
    a = np.where(rng.random(500) < 0.9, 0.0, 1 / 7)
    b = np.where(rng.random(2000) < 0.9, 0.0, 1 / 7)
    assert overlap_area(a, b) > 0.9


def test_drum_metrics_use_kit_pieces():
    from serenade.conversion import converter_for_config
    from serenade.generation.features import features_for

    features = features_for(converter_for_config("cat-drums_2bar_small"))
    rng = np.random.default_rng(0)
    reference = rng.integers(0, 512, (30, 32))
    same = music_metrics(reference, reference, features=features,
                         train_keys=training_keys(reference, features.key))
    assert same["memorisation_rate"] == 1.0 and same["kit_distance"] == 0.0
    assert np.isfinite(same["oa_hits_per_bar"]) and np.isfinite(same["oa_kit_pieces"])
    assert "mean_kick_per_bar" in same and "pitch_class_distance" not in same
    only_kick = np.ones((10, 32), np.int64)
    other = music_metrics(only_kick, reference, features=features)
    assert other["kit_distance"] > 0.5
