import re

import numpy as np
import pytest

from bayes.domains import DomainError, get_domain
from bayes.hypotheses import check_weights, user_ids, user_weights, weight_grid


def test_flight_and_hotel_features_in_spec_order():
    assert get_domain("flight").features == ("departure_time", "duration", "number_of_stops", "price")
    assert get_domain("hotel").features == ("distance_to_downtown", "price", "rating", "amenities")
    assert get_domain("flight_2").features == ("duration", "price")
    assert get_domain("flight_8").features == (
        "departure_time", "arrival_time", "layover_duration", "duration", "flexibility", "bags",
        "number_of_stops", "price",
    )
    assert get_domain("flight_4") is get_domain("flight")


def test_grids_match_spec():
    flight = dict(zip(get_domain("flight_8").features, get_domain("flight_8").grids, strict=True))
    assert flight["departure_time"] == tuple(i / 10 for i in range(11))
    assert flight["number_of_stops"] == (0.0, 0.5, 1.0)
    assert flight["bags"] == (0.0, 0.5, 1.0)
    hotel = dict(zip(get_domain("hotel").features, get_domain("hotel").grids, strict=True))
    assert hotel["rating"] == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert hotel["amenities"] == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert len(hotel["distance_to_downtown"]) == 11


@pytest.mark.parametrize("name, expected", [
    ("boat", "unknown domain 'boat'; expected one of"),
    ("flight_9", "2 to 8 features (flight_2 .. flight_8), not 9"),
    ("flight_1", "2 to 8 features (flight_2 .. flight_8), not 1"),
])
def test_unknown_domain_errors_name_what_was_expected(name, expected):
    with pytest.raises(DomainError, match=re.escape(expected)):
        get_domain(name)


def test_off_grid_option_is_rejected():
    space = get_domain("flight")
    space.validate_options(np.array([[0.1, 0.2, 0.5, 1.0]]))
    with pytest.raises(DomainError, match="number_of_stops=0.3 is not on the grid"):
        space.validate_options(np.array([[0.1, 0.2, 0.3, 1.0]]))
    with pytest.raises(DomainError, match="expected 4 features"):
        space.validate_options(np.zeros((3, 5)))


def test_weight_grid_is_the_papers_user_order():
    grid = weight_grid(4)
    assert grid.shape == (624, 4)
    assert grid[0].tolist() == [-1, -1, -1, -1]
    assert grid[311].tolist() == [0, 0, 0, -0.5]
    assert grid[312].tolist() == [0, 0, 0, 0.5]
    assert grid[623].tolist() == [1, 1, 1, 1]
    assert not np.any(np.all(grid == 0, axis=1))
    assert len({tuple(r) for r in grid.tolist()}) == 624
    assert weight_grid(2).shape == (24, 2)


def test_user_ids_invert_the_grid():
    for f in (2, 3, 4):
        grid = weight_grid(f)
        np.testing.assert_array_equal(user_ids(get_domain(f"flight_{f}"), grid), np.arange(len(grid)))


def test_users_all_and_sampled():
    assert user_weights(get_domain("flight")).shape == (624, 4)
    eight = user_weights(get_domain("flight_8"), "all", seed=0)
    assert eight.shape == (1000, 8)
    assert len({tuple(r) for r in eight.tolist()}) == 1000
    assert set(np.unique(eight)) <= {-1.0, -0.5, 0.0, 0.5, 1.0}
    np.testing.assert_array_equal(eight, user_weights(get_domain("flight_8"), "all", seed=0))
    some = user_weights(get_domain("flight"), 50, seed=3)
    assert some.shape == (50, 4) and len({tuple(r) for r in some.tolist()}) == 50
    with pytest.raises(ValueError, match="has only 624 users"):
        user_weights(get_domain("flight"), 1000)


def test_wrong_weight_length_is_a_clear_error():
    with pytest.raises(ValueError, match=r"expected 4 weights for flight .* got shape \(3,\)"):
        check_weights(np.zeros(3), get_domain("flight"))
