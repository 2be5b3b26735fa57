"""Noisy users and a population of users on the weight grid, in plain numpy (no PyMC).

Two things the population model (bayes/population.py) and the simulators share:

- `noisy_picks`: a simulated user who sometimes picks against their own preferences, by the same
  rules as the assistant's likelihoods (bayes.choice.Likelihood): "epsilon" picks uniformly at
  random with probability epsilon, else the best option; "softmax" picks option o with probability
  ∝ exp(θ·φ(o) / temperature), in the grid's reward units.
- the population distribution over the grid: each feature's weight takes the levels
  {-1, -0.5, 0, 0.5, 1} with probabilities ∝ exp(-(level - mean)² / (2 scale²)) (a normal
  discretized on the levels), features independent, the all-zero vector excluded (as the grid
  excludes it). `mean` and `scale` are per feature; a large scale is the uniform prior of the paper.
"""

from __future__ import annotations

import numpy as np

from bayes.choice import Likelihood
from bayes.hypotheses import WEIGHT_LEVELS, weight_grid

LEVELS = np.asarray(WEIGHT_LEVELS)
ZERO_LEVEL = WEIGHT_LEVELS.index(0.0)


def user_noise_model(user_noise: str, epsilon: float, temperature: float) -> Likelihood:
    """The simulated users' choice model: `none` is the paper's deterministic (indicator) user."""
    return Likelihood("indicator" if user_noise == "none" else user_noise, epsilon=epsilon,
                      temperature=temperature)


def noisy_picks(
    options: np.ndarray, weights: np.ndarray, noise: Likelihood, rng: np.random.Generator
) -> np.ndarray:
    """Picks of users with weights (C, F) on options (C, R, O, F) → (C, R), drawn from `noise`.

    With the indicator "noise" this is the deterministic argmax user (ties to the lowest index).
    """
    options = np.asarray(options, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    reward = np.round(np.einsum("crof,cf->cro", options, weights), 9)
    probs = noise.choice_probs(reward, axis=-1)
    # Inverse-CDF draw; the clip guards the last bin against cumulative rounding below 1.
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[:-1])[..., None]
    return np.minimum((u >= cdf).sum(axis=-1), probs.shape[-1] - 1)


def consistency(options: np.ndarray, weights: np.ndarray, picks: np.ndarray) -> float:
    """Fraction of picks that are the user's own best option (the human data's 60–65%)."""
    best = np.argmax(np.round(np.einsum("crof,cf->cro", options, weights), 9), axis=-1)
    return float((best == np.asarray(picks)).mean())


def level_log_probs(mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """log P(weight of feature f = level l), unnormalized for the all-zero exclusion:
    mean, scale (..., F) → (..., F, 5)."""
    mean = np.asarray(mean, dtype=np.float64)[..., None]
    scale = np.asarray(scale, dtype=np.float64)[..., None]
    z = -0.5 * ((LEVELS - mean) / scale) ** 2
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


def population_log_prior(mean: np.ndarray, scale: np.ndarray, hypotheses: np.ndarray) -> np.ndarray:
    """log P(θ = h) over the grid hypotheses (H, F), excluding all-zero:
    mean, scale (..., F) → (..., H)."""
    logp = level_log_probs(mean, scale)  # (..., F, 5)
    index = np.rint((np.asarray(hypotheses) + 1.0) * 2).astype(np.int64)  # (H, F) level indices
    features = np.arange(index.shape[1])
    joint = logp[..., features, index].sum(axis=-1)  # (..., H)
    log_zero = logp[..., ZERO_LEVEL].sum(axis=-1, keepdims=True)  # P(all weights zero)
    return joint - np.log1p(-np.exp(log_zero))


def population_prior(
    mean: np.ndarray, scale: np.ndarray, hypotheses: np.ndarray | None = None
) -> np.ndarray:
    """The population distribution on the grid (H,), averaged over draws when mean and scale
    are (S, F) posterior draws (the posterior predictive of a new user's weights)."""
    mean = np.atleast_2d(mean)
    scale = np.atleast_2d(scale)
    if hypotheses is None:
        hypotheses = weight_grid(mean.shape[-1])
    prior = np.exp(population_log_prior(mean, scale, hypotheses)).mean(axis=0)
    return prior / prior.sum()


def sample_population_users(
    mean: np.ndarray, scale: np.ndarray, n_users: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw n users' weights (n, F) from the population distribution on the grid."""
    hypotheses = weight_grid(len(np.atleast_1d(mean)))
    prior = population_prior(mean, scale, hypotheses)
    return hypotheses[rng.choice(len(hypotheses), size=n_users, p=prior)]

