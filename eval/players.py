"""Reference players: models with no text, playing on the numbers, in the same tables as text
models so that a reader can see what a student has to beat.

| name | what it does | domains |
|---|---|---|
| bayes:mean | the Bayesian Assistant, posterior-mean rule (the paper's) | flight*, hotel |
| bayes:vote | the Bayesian Assistant, posterior-predictive vote | flight*, hotel |
| bayes:noise-aware | the Bayesian Assistant with a fitted prior and likelihood (`grid_prior`) or
  the simulated users' own noise model (`user_noise`), posterior-mean rule | flight*, hotel |
| random | a uniformly random option (seeded) | all |
| oracle | knows the user's weights: the user's own pick (upper bound) | all |
| cheapest | the lowest price, ties to the lowest option number | domains with a price |
| preference-direction | sums (picked - mean of the others) over past rounds and picks the
  option with the largest dot product with that direction (pilot-tiny-students.md point 5) | flight*, hotel |

None of them depends on its own earlier recommendations, so interactive and teacher-forced play
are the same for them. Each returns predictions (U, K, S) and option probabilities
(U, K, S, O) or None.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bayes.choice import REWARD_DECIMALS, best_option
from bayes.options import rng_for
from eval.games import Game, bayes_heldout

STREAM_RANDOM_PLAYER = 11

Play = tuple[np.ndarray, np.ndarray | None]


class PlayerError(ValueError):
    pass


def _shape(game: Game) -> tuple[int, int, int, int]:
    u, k, s = game.heldout_picks.shape
    return u, k, s, game.num_options


def _need_numbers(game: Game, name: str) -> None:
    if game.heldout_options is None or game.options is None:
        raise PlayerError(f"player {name!r} needs numeric option features; suite {game.name!r} "
                          f"({game.kind}) has none (use random, oracle or a text model)")


def bayes_mean(game: Game, seed: int) -> Play:
    _need_numbers(game, "bayes:mean")
    return game.ba_predictions, game.ba_predictive


def bayes_vote(game: Game, seed: int) -> Play:
    _need_numbers(game, "bayes:vote")
    return best_option(np.round(game.ba_predictive, REWARD_DECIMALS)), game.ba_predictive


def bayes_noise_aware(game: Game, seed: int) -> Play:
    _need_numbers(game, "bayes:noise-aware")
    if game.noise_aware is None:
        raise PlayerError("player 'bayes:noise-aware' needs a noise model: set grid_prior (a `bayes fit` "
                          "folder) or user_noise (epsilon or softmax) in the suite")
    preds, predictive, _, _ = bayes_heldout(game.space, game.options, game.picks, game.heldout_options,
                                            game.noise_aware)
    return preds, predictive


def random_player(game: Game, seed: int) -> Play:
    u, k, s, o = _shape(game)
    preds = rng_for(seed, STREAM_RANDOM_PLAYER).integers(o, size=(u, k, s))
    return preds, np.full((u, k, s, o), 1.0 / o)


def oracle(game: Game, seed: int) -> Play:
    _, _, _, o = _shape(game)
    picks = np.asarray(game.heldout_picks)
    return picks.copy(), np.eye(o)[picks]


def cheapest(game: Game, seed: int) -> Play:
    _need_numbers(game, "cheapest")
    if "price" not in game.space.features:
        raise PlayerError(f"player 'cheapest': domain {game.space.name} has no price feature")
    u, k, s, _ = _shape(game)
    price = game.heldout_options[..., game.space.features.index("price")]  # (S, O)
    return np.broadcast_to(best_option(-price), (u, k, s)).copy(), None


def preference_direction(game: Game, seed: int) -> Play:
    """The rule of pilot-tiny-students.md point 5: no inference, only the direction of choices."""
    _need_numbers(game, "preference-direction")
    options, picks = game.options, game.picks  # (U, R, O, F), (U, R)
    n_options = options.shape[2]
    picked = np.take_along_axis(options, picks[:, :, None, None], axis=2)[:, :, 0]  # (U, R, F)
    others = (options.sum(axis=2) - picked) / (n_options - 1)
    step = picked - others  # (U, R, F)
    direction = np.concatenate([np.zeros_like(step[:, :1]), np.cumsum(step, axis=1)], axis=1)  # (U, K, F)
    direction = direction[:, game.k_values]
    scores = np.einsum("sof,ukf->ukso", game.heldout_options, direction)
    return best_option(np.round(scores, REWARD_DECIMALS)), None


PLAYERS: dict[str, Callable[[Game, int], Play]] = {
    "bayes:mean": bayes_mean,
    "bayes:vote": bayes_vote,
    "bayes:noise-aware": bayes_noise_aware,
    "random": random_player,
    "oracle": oracle,
    "cheapest": cheapest,
    "preference-direction": preference_direction,
}
LABELS = {
    "bayes:mean": "Bayesian Assistant (mean)",
    "bayes:vote": "Bayesian Assistant (vote)",
    "bayes:noise-aware": "Bayesian Assistant (noise-aware)",
    "random": "Random",
    "oracle": "Oracle (knows the weights)",
    "cheapest": "Cheapest option",
    "preference-direction": "Preference-direction rule",
}


def label(name: str, game: Game) -> str:
    if name == "bayes:noise-aware" and game.noise_aware_label:
        return game.noise_aware_label
    return LABELS[name]


def is_player(name: str) -> bool:
    return name in PLAYERS


def play(name: str, game: Game, seed: int) -> Play:
    return PLAYERS[name](game, seed)
