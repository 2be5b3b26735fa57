"""Noisy simulated users, the population distribution on the grid, and grid_prior.json."""

import itertools
import json

import numpy as np
import pytest

from bayes.choice import Likelihood, user_picks
from bayes.domains import get_domain
from bayes.hypotheses import WEIGHT_LEVELS, weight_grid
from bayes.noise import (
    consistency,
    noisy_picks,
    population_log_prior,
    population_prior,
    sample_population_users,
)
from bayes.noise_prior import (
    GridPriorError,
    load_grid_prior,
    noise_aware_assistant,
    write_grid_prior,
)
from bayes.options import sample_interaction_rounds
from bayes.posterior import BayesianAssistant
from bayes.simulate import SimulateConfig, run

SPACE = get_domain("flight")


def _rounds(n_users=400, seed=0):
    rng = np.random.default_rng(seed)
    weights = weight_grid(4)[rng.choice(624, n_users)]
    return weights, sample_interaction_rounds(SPACE, weights, 5, rng)


def test_indicator_noise_is_the_argmax_user():
    weights, options = _rounds(50)
    picks = noisy_picks(options, weights, Likelihood("indicator"), np.random.default_rng(1))
    assert np.array_equal(picks, user_picks(options, weights))


def test_epsilon_users_pick_their_best_with_probability_one_minus_two_thirds_epsilon():
    weights, options = _rounds(2000)
    picks = noisy_picks(options, weights, Likelihood("epsilon", epsilon=0.3), np.random.default_rng(2))
    expected = 1 - 0.3 * 2 / 3  # the random third of the time lands on the best option too
    n = picks.size
    assert abs(consistency(options, weights, picks) - expected) < 4 * np.sqrt(expected * (1 - expected) / n)


def test_softmax_users_pick_with_softmax_frequencies():
    # One fixed option set, many draws: frequencies against exp(r/T)/sum, computed by hand.
    options = np.array([[[0.1, 0.5, 0.0, 0.3], [0.6, 0.2, 0.5, 0.7], [0.9, 0.9, 1.0, 0.0]]])
    weight = np.array([-0.5, 1.0, -1.0, 0.5])
    reps = 20000
    opts = np.broadcast_to(options, (reps, 1, 3, 4))
    picks = noisy_picks(opts, np.broadcast_to(weight, (reps, 4)), Likelihood("softmax", temperature=0.25),
                        np.random.default_rng(3))
    r = options[0] @ weight
    p = np.exp(r / 0.25) / np.exp(r / 0.25).sum()
    freq = np.bincount(picks.ravel(), minlength=3) / reps
    assert np.all(np.abs(freq - p) < 4 * np.sqrt(p * (1 - p) / reps))


def test_population_prior_is_the_normalized_product_of_discretized_normals():
    mean = np.array([0.3, -0.8])
    scale = np.array([0.5, 1.2])
    # By hand: product of per-feature level weights, all-zero dropped, renormalized.
    levels = np.array(WEIGHT_LEVELS)
    per_feature = [np.exp(-0.5 * ((levels - m) / s) ** 2) for m, s in zip(mean, scale, strict=True)]
    brute = {}
    for i, j in itertools.product(range(5), repeat=2):
        if (levels[i], levels[j]) != (0.0, 0.0):
            brute[(levels[i], levels[j])] = per_feature[0][i] * per_feature[1][j]
    total = sum(brute.values())
    grid = weight_grid(2)
    expected = np.array([brute[tuple(h)] / total for h in grid])
    assert np.allclose(np.exp(population_log_prior(mean, scale, grid)), expected)
    assert np.allclose(population_prior(mean, scale, grid), expected)


def test_population_prior_averages_over_draws_and_a_wide_population_is_uniform():
    grid = weight_grid(4)
    draws_mean = np.array([[0.5] * 4, [-0.5] * 4])
    draws_scale = np.full((2, 4), 0.4)
    averaged = population_prior(draws_mean, draws_scale, grid)
    separate = [population_prior(m, s, grid) for m, s in zip(draws_mean, draws_scale, strict=True)]
    assert np.allclose(averaged, (separate[0] + separate[1]) / 2)
    assert np.allclose(population_prior(np.zeros(4), np.full(4, 1e4), grid), 1 / 624)


def test_sampled_users_follow_the_population():
    mean, scale = np.array([-0.6, 0.2, 0.0, 0.9]), np.array([0.4, 0.7, 0.5, 0.3])
    users = sample_population_users(mean, scale, 20000, np.random.default_rng(4))
    prior = population_prior(mean, scale)
    # Marginal of the first feature at level -1, sampled vs exact.
    p = prior[weight_grid(4)[:, 0] == -1.0].sum()
    assert abs((users[:, 0] == -1.0).mean() - p) < 4 * np.sqrt(p * (1 - p) / 20000)


def test_grid_prior_json_round_trip_and_noise_aware_assistant(tmp_path):
    prior = population_prior(np.array([-0.2, -0.6, -0.4, -0.8]), np.array([0.6, 0.5, 0.5, 0.4]))
    likelihood = Likelihood("softmax", temperature=0.2)
    write_grid_prior(tmp_path / "grid_prior.json", SPACE, prior, likelihood)
    loaded, lk = load_grid_prior(tmp_path, SPACE)
    assert np.allclose(loaded, prior) and lk == likelihood
    weights, options = _rounds(30)
    picks = user_picks(options, weights)
    ours = noise_aware_assistant(tmp_path, SPACE)
    direct = BayesianAssistant(SPACE, likelihood=likelihood, prior=prior)
    assert np.allclose(ours.beliefs(options, picks)[-1].probs, direct.beliefs(options, picks)[-1].probs)


def test_grid_prior_json_errors_name_file_and_key(tmp_path):
    prior = np.full(624, 1 / 624)
    write_grid_prior(tmp_path / "grid_prior.json", SPACE, prior, Likelihood("epsilon", epsilon=0.2))
    with pytest.raises(GridPriorError, match=r"grid_prior.json: key 'features'.*hotel"):
        load_grid_prior(tmp_path / "grid_prior.json", get_domain("hotel"))
    obj = json.loads((tmp_path / "grid_prior.json").read_text())
    obj["prior"] = obj["prior"][:10]
    (tmp_path / "bad.json").write_text(json.dumps(obj))
    with pytest.raises(GridPriorError, match=r"bad.json: key 'prior': expected 624"):
        load_grid_prior(tmp_path / "bad.json")
    with pytest.raises(GridPriorError, match="file not found"):
        load_grid_prior(tmp_path / "missing")


def test_simulate_with_noisy_users_reports_consistency_and_keeps_option_sets():
    quiet = run(SimulateConfig(users="60", heldout_sets=30, progress=False))
    noisy = run(SimulateConfig(users="60", heldout_sets=30, progress=False, user_noise="epsilon",
                               user_epsilon=0.5))
    assert "user_noise" not in quiet and noisy["user_noise"] == "epsilon=0.5"
    assert 0.5 < noisy["choice_consistency"] < 0.8  # expected 1 - 0.5 * 2/3 = 0.667
    assert noisy["accuracy"][0] == quiet["accuracy"][0]  # same users and held-out sets
    assert noisy["inconsistent_fraction"][-1] > 0.2  # the indicator assistant meets impossible picks


def test_simulate_rejects_a_bad_user_noise_level():
    with pytest.raises(ValueError, match="epsilon"):
        SimulateConfig(user_noise="epsilon", user_epsilon=1.5)
