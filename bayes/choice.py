"""Rewards and choices: how a user with weights θ picks among options, deterministically or noisily.

Rewards are rounded to 1e-9 before any comparison: features lie on 0.05 grids and weights on a 0.5
grid, so exact ties (e.g. a zero weight on the only differing feature) must compare as ties even
after floating-point sums. Ties go to the lowest option index, as np.argmax does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

REWARD_DECIMALS = 9

LikelihoodKind = Literal["indicator", "epsilon", "softmax"]


def rewards(options: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """θ·φ(o) for options (..., O, F) and one weight vector (F,) → (..., O), rounded."""
    return np.round(np.asarray(options) @ np.asarray(weights), REWARD_DECIMALS)


def hypothesis_rewards(options: np.ndarray, hypotheses: np.ndarray) -> np.ndarray:
    """Rewards of every option under every hypothesis: options (..., O, F), hypotheses (H, F)
    → (..., O, H)."""
    return np.round(np.asarray(options) @ np.asarray(hypotheses).T, REWARD_DECIMALS)


def best_option(reward: np.ndarray, axis: int = -1) -> np.ndarray:
    """Index of the highest reward along `axis`, ties to the lowest index."""
    return np.argmax(reward, axis=axis)


def has_unique_best(reward: np.ndarray, axis: int = -1) -> np.ndarray:
    """True where the highest reward along `axis` is strictly above the second highest."""
    top2 = -np.partition(-reward, 1, axis=axis)
    first = np.take(top2, 0, axis=axis)
    second = np.take(top2, 1, axis=axis)
    return first > second


def user_picks(options: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The deterministic (argmax) user's pick for each option set.

    options (N..., O, F) with weights (F,) or, batched, options (U, ..., O, F) with weights (U, F).
    """
    options = np.asarray(options)
    weights = np.asarray(weights)
    if weights.ndim == 1:
        return best_option(rewards(options, weights))
    return best_option(np.round(np.einsum("u...f,uf->u...", options, weights), REWARD_DECIMALS))


@dataclass(frozen=True)
class Likelihood:
    """How a hypothetical user with weights θ picks an option.

    - indicator: the paper's deterministic user, P(pick) = 1 if it is θ's argmax, else 0.
    - epsilon: with probability epsilon the pick is uniform over the options, else the argmax.
    - softmax: P(pick = o) ∝ exp(θ·φ(o) / temperature).
    """

    kind: LikelihoodKind = "indicator"
    epsilon: float = 0.1
    temperature: float = 0.1

    def __post_init__(self) -> None:
        if self.kind not in ("indicator", "epsilon", "softmax"):
            raise ValueError(
                f"likelihood: expected one of indicator, epsilon, softmax, got {self.kind!r}"
            )
        if self.kind == "epsilon" and not 0.0 <= self.epsilon <= 1.0:
            raise ValueError(f"epsilon: expected a probability in [0, 1], got {self.epsilon}")
        if self.kind == "softmax" and not self.temperature > 0.0:
            raise ValueError(f"temperature: expected a positive number, got {self.temperature}")

    def choice_probs(self, reward: np.ndarray, axis: int = -2) -> np.ndarray:
        """P(pick = o | θ) from rewards with the options along `axis` (default: (..., O, H))."""
        if self.kind == "softmax":
            z = reward / self.temperature
            z = z - z.max(axis=axis, keepdims=True)
            e = np.exp(z)
            return e / e.sum(axis=axis, keepdims=True)
        n_options = reward.shape[axis]
        best = np.expand_dims(best_option(reward, axis=axis), axis)
        index = np.arange(n_options).reshape([-1 if a == (axis % reward.ndim) else 1
                                               for a in range(reward.ndim)])
        onehot = (index == best).astype(np.float64)
        if self.kind == "indicator":
            return onehot
        return (1.0 - self.epsilon) * onehot + self.epsilon / n_options

    def pick_probs(self, options: np.ndarray, picks: np.ndarray, hypotheses: np.ndarray) -> np.ndarray:
        """P(pick | θ) for one option set per conversation: options (C, O, F), picks (C,),
        hypotheses (H, F) → (C, H).

        Works option by option on the picked option's reward advantage, a (C, H) matrix product,
        so that no (C, O, H) tensor, argmax or rounding pass is needed: the pick is θ's argmax
        when it beats every earlier option strictly and every later one or ties it.
        """
        n_conv, n_options, _ = options.shape
        picked = options[np.arange(n_conv), picks]  # (C, F)
        if self.kind == "softmax":
            denominator = np.zeros((n_conv, len(hypotheses)))
            for j in range(n_options):
                advantage = (picked - options[:, j]) @ hypotheses.T
                with np.errstate(over="ignore"):
                    denominator += np.exp(-advantage / self.temperature)
            return 1.0 / denominator
        tol = 0.5 * 10.0**-REWARD_DECIMALS
        is_best = np.ones((n_conv, len(hypotheses)), dtype=bool)
        for j in range(n_options):
            advantage = (picked - options[:, j]) @ hypotheses.T
            threshold = np.where(j < picks, tol, -tol)[:, None]
            beats = advantage > threshold
            beats[picks == j] = True
            is_best &= beats
        if self.kind == "indicator":
            return is_best.astype(np.float64)
        return (1.0 - self.epsilon) * is_best + self.epsilon / n_options

    def describe(self) -> str:
        if self.kind == "epsilon":
            return f"epsilon={self.epsilon:g}"
        if self.kind == "softmax":
            return f"softmax(T={self.temperature:g})"
        return "indicator"
