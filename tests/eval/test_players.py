"""Reference players: the Bayesian Assistant reproduces `python -m bayes simulate`, random is
near 1/3, the oracle is perfect, the rules match independent loops."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bayes.domains import FeatureSpace
from bayes.simulate import SimulateConfig
from bayes.simulate import run as simulate
from eval.config import EvalConfig
from eval.games import build_game
from eval.metrics import summarize
from eval.players import PlayerError, play
from eval.run import player_units


def accuracy(name: str, game, seed: int = 0) -> list[dict]:
    return summarize(player_units(name, game, seed), game.k_values, game.num_users)["per_k"]


@pytest.fixture(scope="module")
def flight_all():
    return build_game(EvalConfig())  # 624 users, 100 held-out sets, seed 0: bayes simulate's defaults


@pytest.mark.parametrize("rule", ["mean", "vote"])
def test_bayes_player_reproduces_simulate_exactly(flight_all, rule):
    expected = simulate(SimulateConfig(rule=rule, progress=False))
    rows = accuracy(f"bayes:{rule}", flight_all)
    assert [round(r["accuracy"], 6) for r in rows] == expected["accuracy"]
    assert [round(r["stderr"], 6) for r in rows] == expected["stderr"]
    if rule == "mean":
        assert [round(a, 3) for a in expected["accuracy"]][::5] == [0.352, 0.816]
        assert all(r["agreement"] == 1.0 and r["kl"] == pytest.approx(0.0, abs=1e-5) for r in rows)


def test_bayes_reproduces_simulate_on_a_user_sample_and_other_domain():
    for domain, users, sets, seed in (("hotel", "30", 20, 3), ("flight_2", "all", 15, 1)):
        game = build_game(EvalConfig(domain=domain, users=users, heldout_sets=sets, seed=seed))
        expected = simulate(SimulateConfig(domain=domain, users=users, heldout_sets=sets, seed=seed, progress=False))
        assert [round(r["accuracy"], 6) for r in accuracy("bayes:mean", game)] == expected["accuracy"]


def test_random_near_a_third_and_oracle_perfect(flight_all):
    rows = accuracy("random", flight_all)
    for r in rows:
        assert abs(r["accuracy"] - 1 / 3) < 4 * r["stderr"] + 0.005
        assert r["kl"] > 0 and r["brier"] == pytest.approx(2 / 3, abs=1e-6)  # uniform: (1/3)^2*2 + (2/3)^2
    assert all(r["accuracy"] == 1.0 and r["brier"] == 0.0 for r in accuracy("oracle", flight_all))


def test_preference_direction_matches_a_plain_loop():
    game = build_game(EvalConfig(users="25", heldout_sets=12, seed=2))
    preds, probs = play("preference-direction", game, 0)
    assert probs is None
    for u in range(game.num_users):
        direction = np.zeros(game.space.num_features)
        for k in game.k_values:
            if k:
                opts, pick = game.options[u, k - 1], game.picks[u, k - 1]
                direction += opts[pick] - np.delete(opts, pick, axis=0).mean(axis=0)
            for s, option_set in enumerate(game.heldout_options):
                scores = np.round(option_set @ direction, 9)
                assert preds[u, k, s] == int(np.argmax(scores)), (u, k, s)


def test_cheapest_picks_the_lowest_price_and_needs_one():
    game = build_game(EvalConfig(domain="hotel", users="3", heldout_sets=10))
    preds, _ = play("cheapest", game, 0)
    price = game.heldout_options[:, :, game.space.features.index("price")]
    assert (preds[0, 0] == price.argmin(axis=1)).all()
    no_price = dataclasses.replace(game, space=FeatureSpace("no_price", "hotel", ("rating",), ((0.0, 1.0),)))
    with pytest.raises(PlayerError, match="no price"):
        play("cheapest", no_price, 0)


def test_webshop_players(paper_data):
    game = build_game(EvalConfig(source="webshop", path=str(paper_data / "eval/interaction/webshop"), users="60"))
    assert game.k_values == [0, 1, 2, 3, 4] and game.next_round
    assert all(r["accuracy"] == 1.0 for r in accuracy("oracle", game))
    with pytest.raises(PlayerError, match="numeric option features"):
        play("bayes:mean", game, 0)


# -- noisy simulated users and the noise-aware assistant (issue 6) ----------------------------
NOISY = {"users": "60", "heldout_sets": 25, "seed": 4}


def test_noisy_users_reproduce_bayes_simulate_for_the_paper_and_noise_aware_assistants():
    for kind, key, level in (("epsilon", "epsilon", 0.3), ("softmax", "temperature", 0.2)):
        game = build_game(EvalConfig(**NOISY, user_noise=kind, **{f"user_{key}": level}))
        paper = simulate(SimulateConfig(**NOISY, user_noise=kind, **{f"user_{key}": level}, progress=False))
        matched = simulate(SimulateConfig(**NOISY, user_noise=kind, **{f"user_{key}": level},
                                          likelihood=kind, **{key: level}, progress=False))
        assert [round(r["accuracy"], 6) for r in accuracy("bayes:mean", game)] == paper["accuracy"]
        assert [round(r["accuracy"], 6) for r in accuracy("bayes:noise-aware", game)] == matched["accuracy"]
        assert paper["accuracy"] != matched["accuracy"]
        # held-out answers are the user's noise-free best option: the oracle stays perfect
        assert all(r["accuracy"] == 1.0 for r in accuracy("oracle", game))
        assert game.data_ids["choice_consistency"] < 0.95


def test_noise_aware_player_with_a_fitted_grid_prior_reproduces_bayes_simulate(tmp_path):
    from bayes.choice import Likelihood
    from bayes.domains import get_domain
    from bayes.hypotheses import weight_grid
    from bayes.noise import population_prior
    from bayes.noise_prior import write_grid_prior

    prior = population_prior(np.array([0.2, -0.6, 0.0, -0.8]), np.array([0.8, 0.5, 1.0, 0.4]), weight_grid(4))
    write_grid_prior(tmp_path / "grid_prior.json", get_domain("flight"), prior,
                     Likelihood("epsilon", epsilon=0.2))
    game = build_game(EvalConfig(**NOISY, user_noise="epsilon", user_epsilon=0.2, grid_prior=str(tmp_path)))
    expected = simulate(SimulateConfig(**NOISY, user_noise="epsilon", user_epsilon=0.2,
                                       grid_prior=str(tmp_path), progress=False))
    assert [round(r["accuracy"], 6) for r in accuracy("bayes:noise-aware", game)] == expected["accuracy"]
    assert "fitted prior" in game.noise_aware_label and "grid_prior_sha256" in game.data_ids


def test_noise_aware_player_needs_a_noise_model_and_released_users_cannot_be_made_noisy():
    game = build_game(EvalConfig(users="5", heldout_sets=3))
    with pytest.raises(PlayerError, match="grid_prior .* or user_noise"):
        play("bayes:noise-aware", game, 0)
    with pytest.raises(ValueError, match="key 'user_noise'"):
        EvalConfig(source="released", path="x.jsonl", user_noise="epsilon")
    with pytest.raises(ValueError, match="key 'user_temperature'"):
        EvalConfig(user_noise="softmax", user_temperature=0)
