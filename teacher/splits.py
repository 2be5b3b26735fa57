"""A split of a domain's users into train and held-out, shared by teacher/ and eval/ so that
evaluation can use users the student never saw in training."""

from __future__ import annotations

from typing import Literal

import numpy as np

from bayes.domains import get_domain
from bayes.hypotheses import user_ids, user_weights
from bayes.options import rng_for

STREAM_SPLIT = 7
Split = Literal["all", "train", "heldout"]


def split_user_weights(
    domain: str,
    split: Split = "all",
    heldout_fraction: float = 0.2,
    split_seed: int = 0,
) -> np.ndarray:
    """Weights (U, F) of the users in `split`; the held-out users are a seeded random
    `heldout_fraction` of all users, the train users the rest (disjoint, id order)."""
    if split not in ("all", "train", "heldout"):
        raise ValueError(f"split: expected all, train or heldout, got {split!r}")
    if not 0.0 < heldout_fraction < 1.0:
        raise ValueError(f"heldout_fraction: expected a number in (0, 1), got {heldout_fraction}")
    space = get_domain(domain)
    weights = user_weights(space, "all", seed=split_seed)
    if split == "all":
        return weights
    n_heldout = max(1, round(heldout_fraction * len(weights)))
    order = rng_for(split_seed, STREAM_SPLIT).permutation(len(weights))
    is_heldout = np.zeros(len(weights), dtype=bool)
    is_heldout[order[:n_heldout]] = True
    return weights[is_heldout] if split == "heldout" else weights[~is_heldout]


def split_user_ids(domain: str, split: Split = "all", heldout_fraction: float = 0.2,
                   split_seed: int = 0) -> np.ndarray:
    space = get_domain(domain)
    return user_ids(space, split_user_weights(domain, split, heldout_fraction, split_seed))
