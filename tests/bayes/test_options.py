import numpy as np

from bayes.choice import has_unique_best, rewards, user_picks
from bayes.domains import get_domain
from bayes.hypotheses import weight_grid
from bayes.options import rng_for, sample_heldout_sets, sample_interaction_rounds


def test_interaction_rounds_have_a_unique_best_for_their_user():
    space = get_domain("flight")
    weights = weight_grid(4)
    options = sample_interaction_rounds(space, weights, 5, rng_for(0, 2))
    assert options.shape == (624, 5, 3, 4)
    space.validate_options(options)
    for u in range(0, 624, 37):
        r = rewards(options[u], weights[u])
        top = np.sort(r, axis=-1)
        assert np.all(top[:, -1] > top[:, -2])
    # sparse users (one non-zero weight) need resampling most; check them all
    sparse = np.flatnonzero((weights != 0).sum(1) == 1)
    assert has_unique_best(np.einsum("urof,uf->uro", options[sparse], weights[sparse])).all()


def test_samplers_are_seeded_and_streams_independent():
    space = get_domain("hotel")
    a = sample_heldout_sets(space, 20, seed=1)
    np.testing.assert_array_equal(a, sample_heldout_sets(space, 20, seed=1))
    assert not np.array_equal(a, sample_heldout_sets(space, 20, seed=2))
    space.validate_options(a)
    w = weight_grid(4)[:10]
    x = sample_interaction_rounds(space, w, 5, rng_for(1, 2))
    np.testing.assert_array_equal(x, sample_interaction_rounds(space, w, 5, rng_for(1, 2)))


def test_user_picks_break_ties_to_the_lowest_index():
    options = np.array([[[0.5, 0.0], [0.5, 1.0], [0.2, 0.0]]])
    # weight only on feature 0: options 1 and 2 tie at the top -> option index 0
    assert user_picks(options, np.array([1.0, 0.0])).tolist() == [0]
    # a float sum that is a tie only after rounding: 0.1 + 0.2 vs 0.3
    opts = np.array([[0.1, 0.2], [0.3, 0.0], [0.0, 0.0]])
    assert user_picks(opts, np.array([1.0, 1.0])) == 0
    assert user_picks(opts[[1, 0, 2]], np.array([1.0, 1.0])) == 0
