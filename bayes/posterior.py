"""The exact posterior over the hypothesis grid, vectorized over many conversations at once.

A `Belief` holds normalized probabilities (C, H) for C conversations. `BayesianAssistant` updates beliefs
with observed picks and turns them into predictions:

- rule "mean" (the paper's): argmax over options of the reward under the posterior-mean weights;
- rule "vote": argmax of the posterior predictive, P(o) = Σ_h p(h) P(o | h).

With the indicator likelihood a pick that no remaining hypothesis explains (an inconsistent user)
would zero the posterior; instead that observation is skipped and the conversation is flagged in
`Belief.inconsistent`. The noisy likelihoods never zero it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from bayes.choice import REWARD_DECIMALS, Likelihood, best_option, hypothesis_rewards
from bayes.domains import FeatureSpace
from bayes.hypotheses import WEIGHT_LEVELS, weight_grid

Rule = Literal["mean", "vote"]


@dataclass
class Belief:
    """Posterior state of C conversations: normalized probabilities over H hypotheses."""

    probs: np.ndarray  # (C, H), rows sum to 1
    inconsistent: np.ndarray  # (C,) bool: an observation was skipped as impossible
    n_observed: int = 0

    @property
    def log_probs(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.probs)

    def __len__(self) -> int:
        return self.probs.shape[0]


class BayesianAssistant:
    """Exact Bayesian inference over a weight grid, for many conversations at once."""

    def __init__(
        self,
        space: FeatureSpace,
        *,
        likelihood: Likelihood | None = None,
        rule: Rule = "mean",
        prior: np.ndarray | None = None,
        hypotheses: np.ndarray | None = None,
    ) -> None:
        if rule not in ("mean", "vote"):
            raise ValueError(f"rule: expected 'mean' or 'vote', got {rule!r}")
        self.space = space
        self.likelihood = likelihood or Likelihood()
        self.rule = rule
        self.hypotheses = weight_grid(space.num_features) if hypotheses is None else np.asarray(
            hypotheses, dtype=np.float64
        )
        if self.hypotheses.ndim != 2 or self.hypotheses.shape[1] != space.num_features:
            raise ValueError(
                f"hypotheses: expected shape (H, {space.num_features}), got {self.hypotheses.shape}"
            )
        n = len(self.hypotheses)
        if prior is None:
            self.prior = np.full(n, 1.0 / n)
        else:
            prior = np.asarray(prior, dtype=np.float64)
            if prior.shape != (n,) or np.any(prior < 0) or not prior.sum() > 0:
                raise ValueError(f"prior: expected {n} non-negative numbers with a positive sum")
            self.prior = prior / prior.sum()

    # -- beliefs -------------------------------------------------------------------------------
    def initial(self, n_conversations: int) -> Belief:
        probs = np.broadcast_to(self.prior, (n_conversations, len(self.hypotheses))).copy()
        return Belief(probs, np.zeros(n_conversations, dtype=bool), 0)

    def likelihood_of(self, options: np.ndarray, picks: np.ndarray) -> np.ndarray:
        """P(pick | h) for one round of each conversation: options (C, O, F), picks (C,) → (C, H)."""
        return self.likelihood.pick_probs(options, picks, self.hypotheses)

    def update(self, belief: Belief, options: np.ndarray, picks: np.ndarray) -> Belief:
        """Condition on one more round: options (C, O, F), picks (C,)."""
        options = np.asarray(options, dtype=np.float64)
        picks = np.asarray(picks, dtype=np.int64)
        n_features = self.space.num_features
        if (options.ndim != 3 or options.shape[0] != len(belief) or options.shape[2] != n_features
                or picks.shape != (len(belief),)):
            raise ValueError(
                f"update: expected options (C={len(belief)}, O, F={n_features}) and picks (C,), "
                f"got {options.shape} and {picks.shape}"
            )
        joint = belief.probs * self.likelihood_of(options, picks)
        norm = joint.sum(axis=1)
        impossible = ~(norm > 0)
        norm[impossible] = 1.0
        probs = joint / norm[:, None]
        probs[impossible] = belief.probs[impossible]
        return Belief(probs, belief.inconsistent | impossible, belief.n_observed + 1)

    def beliefs(self, options: np.ndarray, picks: np.ndarray) -> list[Belief]:
        """Beliefs after k = 0..R rounds: options (C, R, O, F), picks (C, R) → R + 1 beliefs."""
        belief = self.initial(options.shape[0])
        out = [belief]
        for r in range(options.shape[1]):
            belief = self.update(belief, options[:, r], picks[:, r])
            out.append(belief)
        return out

    # -- summaries -----------------------------------------------------------------------------
    def mean_weights(self, belief: Belief) -> np.ndarray:
        """Posterior-mean weights (C, F)."""
        return belief.probs @ self.hypotheses

    def marginals(self, belief: Belief) -> np.ndarray:
        """Per-feature marginal beliefs (C, F, 5): P(weight of feature f = level), levels -1..1."""
        probs = belief.probs
        levels = np.asarray(WEIGHT_LEVELS)
        out = np.empty((len(belief), self.space.num_features, len(levels)))
        for j, level in enumerate(levels):
            out[:, :, j] = probs @ (self.hypotheses == level).astype(np.float64)
        return out

    def predictive(self, belief: Belief, options: np.ndarray, shared: bool = False) -> np.ndarray:
        """Posterior predictive P(pick = o | history).

        options (C, O, F) → (C, O); (C, S, O, F) → (C, S, O); with `shared=True`, options
        (S, O, F) are the same sets for every conversation → (C, S, O).
        """
        options = np.asarray(options, dtype=np.float64)
        choice = self.likelihood.choice_probs(hypothesis_rewards(options, self.hypotheses))
        if shared:
            return np.einsum("ch,soh->cso", belief.probs, choice)
        if options.ndim == 3:
            return np.einsum("ch,coh->co", belief.probs, choice)
        return np.einsum("ch,csoh->cso", belief.probs, choice)

    def predict(self, belief: Belief, options: np.ndarray, shared: bool = False) -> np.ndarray:
        """The assistant's recommendation (option index) under its rule.

        options (C, O, F) → (C,); (C, S, O, F) → (C, S); with `shared=True`, options (S, O, F)
        are the same sets for every conversation → (C, S).
        """
        options = np.asarray(options, dtype=np.float64)
        if self.rule == "mean":
            w = self.mean_weights(belief)
            if shared:
                r = np.einsum("sof,cf->cso", options, w)
            elif options.ndim == 3:
                r = np.einsum("cof,cf->co", options, w)
            else:
                r = np.einsum("csof,cf->cso", options, w)
            return best_option(np.round(r, REWARD_DECIMALS))
        p = self.predictive(belief, options, shared=shared)
        return best_option(np.round(p, REWARD_DECIMALS))
