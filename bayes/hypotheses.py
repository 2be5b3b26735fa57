"""The hypothesis space (weight vectors on {-1, -0.5, 0, 0.5, 1}^F without all-zero) and user lists."""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from bayes.domains import FeatureSpace

WEIGHT_LEVELS = (-1.0, -0.5, 0.0, 0.5, 1.0)
# Above this many hypotheses the user list is sampled from the grid instead of enumerated
# (5^8 - 1 = 390,624 for 8 features; the spec's 8-feature variant uses 1,000 sampled users).
MAX_ENUMERATED_USERS = 5**5 - 1
SAMPLED_USERS = 1000


@lru_cache(maxsize=8)
def _weight_grid(num_features: int) -> np.ndarray:
    grid = np.array(list(itertools.product(WEIGHT_LEVELS, repeat=num_features)), dtype=np.float64)
    grid = grid[np.any(grid != 0.0, axis=1)]
    grid.setflags(write=False)
    return grid


def weight_grid(num_features: int) -> np.ndarray:
    """All hypotheses (H, F) in the paper's order: lexicographic with -1 first, all-zero removed.

    For F=4: row 0 = [-1,-1,-1,-1], row 311 = [0,0,0,-0.5], row 312 = [0,0,0,0.5].
    """
    if num_features < 1:
        raise ValueError(f"num_features must be at least 1, got {num_features}")
    return _weight_grid(num_features)


def check_weights(weights: np.ndarray, space: FeatureSpace, where: str = "weights") -> np.ndarray:
    """Validate a weight vector (F,) or matrix (N, F) against the domain; one-line errors."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim not in (1, 2) or weights.shape[-1] != space.num_features:
        raise ValueError(
            f"{where}: expected {space.num_features} weights for {space.name} "
            f"({', '.join(space.features)}), got shape {weights.shape}"
        )
    return weights


def user_weights(space: FeatureSpace, users: int | str = "all", seed: int = 0) -> np.ndarray:
    """The simulated users' weights (U, F).

    "all": every hypothesis for F <= 5 (624 users for 4 features); for larger F, 1,000 distinct
    weight vectors sampled from the grid with `seed` (the spec's 8-feature variant). An integer n
    samples n distinct users with `seed`, kept in id order (all of them when n is the total).
    """
    grid = weight_grid(space.num_features)
    if users == "all":
        if len(grid) <= MAX_ENUMERATED_USERS:
            return grid
        n = SAMPLED_USERS
    else:
        n = int(users)
        if n < 1:
            raise ValueError(f"users: expected 'all' or a positive number, got {users}")
        if len(grid) <= MAX_ENUMERATED_USERS:
            if n > len(grid):
                raise ValueError(f"users: {space.name} has only {len(grid)} users, asked for {n}")
            rng = np.random.default_rng(seed)
            return grid[np.sort(rng.choice(len(grid), size=n, replace=False))] if n < len(grid) else grid
    rng = np.random.default_rng(seed)
    index = np.sort(rng.choice(len(grid), size=n, replace=False))
    return grid[index]


def user_ids(space: FeatureSpace, weights: np.ndarray) -> np.ndarray:
    """Index of each weight vector in the hypothesis grid (the paper's user id for F=4)."""
    levels = np.rint((np.asarray(weights) + 1.0) * 2).astype(np.int64)  # 0..4
    base = 5 ** np.arange(space.num_features - 1, -1, -1)
    code = levels @ base
    zero_code = (2 * base).sum()
    return code - (code > zero_code)
