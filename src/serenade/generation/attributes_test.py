import numpy as np
import pytest

from serenade.generation.attributes import (AttributeVectorError, apply_vector, attribute_groups,
                                            compute_vector, evaluate_vector)
from serenade.conversion.splits import LabelledWindows
from serenade.generation.features import feature_table
from serenade.conversion import converter_for_config
from serenade.base.midi_parser import read_midi
from serenade.paths import MAGENTA_FIXTURES

from testing.fixtures import fixture_model

CASES = MAGENTA_FIXTURES / "cat-mel_2bar_small" / "cases"
LABELS = {"bach": ["calm"], "folk": ["lively"]}


def _windows(files):
    converter = converter_for_config("cat-mel_2bar_small")
    parts, sources = [], []
    for name, source in files:
        windows = converter.to_windows(read_midi(CASES / name))
        parts.append(windows)
        sources += [source] * len(windows)
    return LabelledWindows(np.concatenate(parts), np.array(sources))


@pytest.fixture(scope="module")
def train():
    return _windows([("bwv244.44_0.mid", "bach"), ("1556-1624_13.mid", "folk"),
                     ("BlueStockingClog_0.mid", "folk"), ("LordJamesMurraysReel_0.mid", "folk")])


@pytest.fixture(scope="module")
def held_out():
    return _windows([("1625-1700_6.mid", "folk")]).windows


def test_groups_split_at_quantiles(train):
    having, without, (low, high) = attribute_groups("note_density", train, LABELS, (0.25, 0.75))
    density = feature_table(train.windows)["note_density"]
    assert (low, high) == tuple(np.quantile(density, [0.25, 0.75]))
    assert (density[having] >= high).all() and (density[without] <= low).all()
    assert not (having & without).any()
    calm, not_calm, thresholds = attribute_groups("calm", train, LABELS)
    assert thresholds is None
    assert calm.sum() == (train.sources == "bach").sum() and (not_calm == ~calm).all()


def test_label_vector_is_difference_of_means(train):
    model = fixture_model()
    vector = compute_vector(model, "calm", train, LABELS)
    _, mu, _ = model.encode(train.windows)
    bach = train.sources == "bach"
    np.testing.assert_allclose(vector.vector, mu[bach].mean(0) - mu[~bach].mean(0), atol=1e-5)
    assert (vector.count_with, vector.count_without) == (bach.sum(), (~bach).sum())
    np.testing.assert_allclose(apply_vector(mu[:2], vector, -0.5), mu[:2] - 0.5 * vector.vector,
                               atol=1e-6)


def test_vector_moves_held_out_windows_both_ways(train, held_out):
    """mean_pitch is what this briefly trained fixture model encodes most clearly."""
    model = fixture_model()
    vector = compute_vector(model, "mean_pitch", train, LABELS)
    up = evaluate_vector(model, vector, held_out, 1.0)
    down = evaluate_vector(model, vector, held_out, -1.0)
    assert up.windows == down.windows == len(held_out)
    assert up.feature_change > 2 and up.feature_moved >= 0.8
    assert down.feature_change < -2 and down.feature_moved >= 0.8
    assert up.latent_moved >= 0.8 and down.latent_moved >= 0.8
    calm = evaluate_vector(model, compute_vector(model, "calm", train, LABELS), held_out, 1.0)
    assert np.isnan(calm.feature_change) and calm.latent_change > 0
    assert set(calm.as_row()) >= {"attribute", "strength", "eval_windows", "latent_moved",
                                  "change_note_density"}


def test_unusable_attributes_say_why(train):
    model = fixture_model()
    with pytest.raises(AttributeVectorError, match="unknown attribute 'sad'.*calm, lively"):
        compute_vector(model, "sad", train, LABELS)
    with pytest.raises(AttributeVectorError, match="every source carries the label"):
        compute_vector(model, "calm", train, {"bach": ["calm"], "folk": ["calm"]})
