import numpy as np
import pytest

from serenade.models.latent_paths import journey_z, nearest_waypoint, walk
from serenade.paths import MAGENTA_FIXTURES

from testing.fixtures import fixture_model


def test_journey_points_pass_through_every_input():
    rng = np.random.default_rng(0)
    mus = rng.standard_normal((3, 8)).astype(np.float32)
    z, waypoints = journey_z(mus, 4, "slerp")
    assert z.shape == (7, 8) and waypoints == [0, 3, 6]
    np.testing.assert_allclose(z[waypoints], mus, atol=1e-5)
    lerp, _ = journey_z(mus, 4, "lerp")
    np.testing.assert_allclose(lerp[1], (2 * mus[0] + mus[1]) / 3, atol=1e-5)
    assert not np.allclose(lerp[1], z[1])
    with pytest.raises(ValueError, match="at least 2 inputs"):
        journey_z(mus[:1], 4)


def test_walk_between_two_windows_matches_magenta_interpolation():
    """Greedy decoding of a slerp between two fixture windows equals magenta's own output."""
    expected = np.load(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "expected.npz")
    model = fixture_model()
    path = walk(model, [expected["case3_windows"][0], expected["case4_windows"][0]], 5,
                method="slerp", temperature=0.0)
    np.testing.assert_array_equal(path.events, expected["interp_3_4_greedy"])
    assert path.waypoints == [0, 4] and path.chords is None
    _, mu, _ = model.encode(np.stack([expected["case3_windows"][0], expected["case4_windows"][0]]))
    np.testing.assert_allclose(path.z[path.waypoints], mu, atol=1e-5)


def test_each_point_of_a_walk_takes_the_nearest_input():
    # a journey through 3 inputs, 5 points a leg: waypoints 0, 4, 8 (ties go to the earlier)
    np.testing.assert_array_equal(nearest_waypoint(9, [0, 4, 8]), [0, 0, 0, 1, 1, 1, 1, 2, 2])
    np.testing.assert_array_equal(nearest_waypoint(2, [0, 1]), [0, 1])


def test_journey_through_three_windows_is_seeded():
    expected = np.load(MAGENTA_FIXTURES / "cat-mel_2bar_small" / "expected.npz")
    windows = [expected[f"case{k}_windows"][0] for k in (1, 3, 5)]
    model = fixture_model()
    first = walk(model, windows, 3, temperature=0.5, seed=7)
    again = walk(model, windows, 3, temperature=0.5, seed=7)
    assert first.events.shape == (5, 32)
    np.testing.assert_array_equal(first.events, again.events)
    greedy = walk(model, windows, 3, temperature=0.0)
    for index, k in zip(greedy.waypoints, (1, 3, 5)):
        np.testing.assert_array_equal(greedy.events[index], expected[f"case{k}_greedy_from_mu"])
