"""Option-set samplers: interaction rounds with a unique best option for the user, and held-out
sets shared by all users. Seeded and reproducible; each purpose draws from its own stream so that,
for example, asking for more users does not change the held-out sets."""

from __future__ import annotations

import numpy as np

from bayes.choice import has_unique_best, rewards
from bayes.domains import FeatureSpace

NUM_OPTIONS = 3
STREAM_HELDOUT = 1
STREAM_INTERACTION = 2
# Noisy users' picks draw from their own stream, so the option sets do not change with the noise
# (bayes simulate, teacher generate and eval run all use it).
STREAM_USER_NOISE = 3


def rng_for(seed: int, stream: int, *extra: int) -> np.random.Generator:
    """An independent generator per (seed, purpose[, ...])."""
    return np.random.default_rng([int(seed), int(stream), *map(int, extra)])


def sample_option_sets(
    space: FeatureSpace, shape: tuple[int, ...] | int, rng: np.random.Generator,
    num_options: int = NUM_OPTIONS,
) -> np.ndarray:
    """Option sets with every feature drawn uniformly from its grid → (*shape, O, F)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    columns = [rng.choice(grid, size=(*shape, num_options)) for grid in space.grid_arrays()]
    return np.stack(columns, axis=-1)


def sample_heldout_sets(space: FeatureSpace, n_sets: int, seed: int) -> np.ndarray:
    """Held-out option sets shared by all users → (S, O, F). Ties are allowed (broken towards the
    lowest option index when a user's pick is computed)."""
    return sample_option_sets(space, n_sets, rng_for(seed, STREAM_HELDOUT))


def sample_interaction_rounds(
    space: FeatureSpace,
    weights: np.ndarray,
    n_rounds: int,
    rng: np.random.Generator,
    num_options: int = NUM_OPTIONS,
    max_tries: int = 10_000,
) -> np.ndarray:
    """Option sets for each user's rounds, resampled until the user's best option is unique.

    weights (U, F) → options (U, R, O, F). A user whose weights make every option set a tie
    (impossible on the spec's grids) raises after `max_tries` redraws.
    """
    weights = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    options = sample_option_sets(space, (len(weights), n_rounds), rng, num_options)
    for _ in range(max_tries):
        r = np.round(np.einsum("urof,uf->uro", options, weights), 9)
        bad = ~has_unique_best(r, axis=-1)
        if not bad.any():
            return options
        users, rounds_ = np.nonzero(bad)
        options[users, rounds_] = sample_option_sets(space, len(users), rng, num_options)
    raise RuntimeError("could not draw option sets with a unique best option")


def unique_best_mask(options: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """For one user: which option sets (N, O, F) have a unique best option."""
    return has_unique_best(rewards(options, weights), axis=-1)
