"""Simulated conversations: users, their option sets and picks, and the Bayesian Assistant's
prediction (and posterior predictive) before each round. Arrays only; text comes later.

`teacher.loaders.load_interactions` builds the same `ConversationBatch` from a released file, so
evaluation can run on simulated and released conversations alike."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from bayes.choice import Likelihood, user_picks
from bayes.domains import FeatureSpace
from bayes.hypotheses import user_ids
from bayes.noise import noisy_picks
from bayes.options import STREAM_INTERACTION, STREAM_USER_NOISE, rng_for, sample_interaction_rounds
from bayes.posterior import BayesianAssistant


@dataclass
class ConversationBatch:
    """N conversations of R rounds with O options of F features."""

    space: FeatureSpace
    user_ids: np.ndarray  # (N,) id of the user in the hypothesis grid
    conversation_index: np.ndarray  # (N,) 0..conversations_per_user-1
    weights: np.ndarray  # (N, F)
    options: np.ndarray  # (N, R, O, F)
    picks: np.ndarray  # (N, R) the user's pick in each round
    bayes_predictions: np.ndarray  # (N, R) the assistant's prediction before seeing round r's pick
    bayes_predictive: np.ndarray  # (N, R, O) posterior predictive before round r
    # Set by the loaders of released files (None for simulated conversations):
    source: str | None = None  # the file read
    idx: np.ndarray | None = None  # (N,) the release's "idx" of each conversation
    option_texts: list[list[list[str]]] | None = None  # [N][R][O] the release's option strings
    inconsistent: np.ndarray | None = None  # (N,) a pick no hypothesis explains (human users)

    def __len__(self) -> int:
        return len(self.weights)

    @property
    def num_rounds(self) -> int:
        return self.options.shape[1]


# Conversations processed together: the posterior is a (chunk, H) matrix of floats.
MAX_CELLS_PER_CHUNK = 20_000_000


def bayes_predictions(
    assistant: BayesianAssistant,
    options: np.ndarray,
    picks: np.ndarray,
    progress: bool = False,
    return_inconsistent: bool = False,
) -> tuple[np.ndarray, ...]:
    """The assistant's prediction and posterior predictive for each round, given earlier rounds:
    options (N, R, O, F), picks (N, R) → predictions (N, R), predictive (N, R, O)
    [, inconsistent (N,) with `return_inconsistent`]. Works in chunks of conversations so that
    large hypothesis spaces (8 features: 390,624) fit in memory."""
    n, rounds = picks.shape
    predictions = np.empty((n, rounds), dtype=np.int64)
    predictive = np.empty((n, rounds, options.shape[2]))
    inconsistent = np.zeros(n, dtype=bool)
    chunk = max(1, MAX_CELLS_PER_CHUNK // len(assistant.hypotheses))
    with tqdm(total=n, desc="Bayesian Assistant", unit="conv", disable=not progress,
              file=sys.stderr) as bar:
        for start in range(0, n, chunk):
            sl = slice(start, min(n, start + chunk))
            belief = assistant.initial(sl.stop - sl.start)
            for r in range(rounds):
                predictions[sl, r] = assistant.predict(belief, options[sl, r])
                predictive[sl, r] = assistant.predictive(belief, options[sl, r])
                belief = assistant.update(belief, options[sl, r], picks[sl, r])
            inconsistent[sl] = belief.inconsistent
            bar.update(sl.stop - sl.start)
    if return_inconsistent:
        return predictions, predictive, inconsistent
    return predictions, predictive


def simulate_conversations(
    assistant: BayesianAssistant,
    weights: np.ndarray,
    conversations_per_user: int,
    rounds: int,
    seed: int,
    progress: bool = False,
    user_noise: Likelihood | None = None,  # None or indicator: the paper's noise-free user
) -> ConversationBatch:
    """Each user (row of `weights`) plays `conversations_per_user` conversations of `rounds` rounds.

    Option sets have a unique best option for the user; the user picks it (the paper's user), or,
    with `user_noise`, picks from that noise model (drawn as `bayes simulate --user_noise` draws).
    """
    space = assistant.space
    weights = np.asarray(weights, dtype=np.float64)
    conv_weights = np.repeat(weights, conversations_per_user, axis=0)
    options = sample_interaction_rounds(space, conv_weights, rounds, rng_for(seed, STREAM_INTERACTION))
    picks = user_picks(options, conv_weights)
    if user_noise is not None and user_noise.kind != "indicator":
        picks = noisy_picks(options, conv_weights, user_noise, rng_for(seed, STREAM_USER_NOISE))
    predictions, predictive = bayes_predictions(assistant, options, picks, progress=progress)
    return ConversationBatch(
        space=space,
        user_ids=np.repeat(user_ids(space, weights), conversations_per_user),
        conversation_index=np.tile(np.arange(conversations_per_user), len(weights)),
        weights=conv_weights,
        options=options,
        picks=picks,
        bayes_predictions=predictions,
        bayes_predictive=predictive,
    )
