"""`python -m bayes simulate`: simulated users play the game with the Bayesian Assistant.

Each user plays `conversations` conversations of `rounds` rounds (option sets with a unique best
option for that user); after k = 0..rounds rounds the assistant predicts the user's pick on
`heldout_sets` option sets shared by all users. Accuracy is the fraction of correct predictions,
averaged over users (standard error across users).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from tqdm.auto import tqdm

from bayes.choice import Likelihood, user_picks
from bayes.cli import run_stage
from bayes.config import to_dict
from bayes.domains import get_domain
from bayes.hypotheses import user_weights, weight_grid
from bayes.noise import consistency, noisy_picks, user_noise_model
from bayes.noise_prior import load_grid_prior
from bayes.options import (
    STREAM_INTERACTION,
    STREAM_USER_NOISE,
    rng_for,
    sample_heldout_sets,
    sample_interaction_rounds,
)
from bayes.posterior import BayesianAssistant

# Conversations processed together; the posterior matrix is (chunk, H) floats.
MAX_CELLS_PER_CHUNK = 20_000_000


@dataclass
class SimulateConfig:
    domain: str = field(default="flight", metadata={"help": "flight, flight_2 .. flight_8, or hotel"})
    rule: Literal["mean", "vote"] = field(
        default="mean", metadata={"help": "prediction rule: posterior-mean argmax (the paper's) or predictive vote"}
    )
    likelihood: Literal["indicator", "epsilon", "softmax"] = field(
        default="indicator", metadata={"help": "the assistant's model of how users choose"}
    )
    epsilon: float = field(default=0.1, metadata={"help": "random-pick probability (likelihood=epsilon)"})
    temperature: float = field(default=0.1, metadata={"help": "softmax temperature (likelihood=softmax)"})
    users: str = field(default="all", metadata={"help": "'all' or a number of users sampled with the seed"})
    conversations: int = field(default=1, metadata={"help": "conversations per user"})
    rounds: int = field(default=5, metadata={"help": "interaction rounds per conversation"})
    heldout_sets: int = field(default=100, metadata={"help": "held-out option sets shared by all users"})
    seed: int = field(default=0, metadata={"help": "random seed (users, option sets)"})
    user_noise: Literal["none", "epsilon", "softmax"] = field(
        default="none",
        metadata={"help": "simulated users' choice noise in the interaction rounds (none: argmax); "
                          "held-out accuracy is always scored against the user's noise-free best option"},
    )
    user_epsilon: float = field(default=0.1, metadata={"help": "users' random-pick probability (user_noise=epsilon)"})
    user_temperature: float = field(default=0.1, metadata={"help": "users' softmax temperature (user_noise=softmax)"})
    grid_prior: str | None = field(
        default=None,
        metadata={"help": "grid_prior.json (or a fit folder) from `bayes fit`: the assistant uses its prior "
                          "and likelihood instead of the uniform prior and the likelihood keys"},
    )
    json: bool = field(default=False, metadata={"help": "print one JSON object instead of a table"})
    progress: bool = field(default=True, metadata={"help": "show a progress bar"})

    def __post_init__(self) -> None:
        for name in ("conversations", "rounds", "heldout_sets"):
            if getattr(self, name) < 1:
                raise ValueError(f"key '{name}': expected a positive integer, got {getattr(self, name)}")
        if self.users != "all":
            try:
                if int(self.users) < 1:
                    raise ValueError
            except ValueError:
                raise ValueError(f"key 'users': expected 'all' or a positive integer, got {self.users!r}") from None
        self.user_noise_model()  # validates user_epsilon / user_temperature

    def user_noise_model(self) -> Likelihood:
        return user_noise_model(self.user_noise, self.user_epsilon, self.user_temperature)


def make_assistant(config: SimulateConfig) -> BayesianAssistant:
    space = get_domain(config.domain)
    if config.grid_prior is not None:
        prior, likelihood = load_grid_prior(config.grid_prior, space)
        return BayesianAssistant(space, likelihood=likelihood, rule=config.rule, prior=prior)
    likelihood = Likelihood(config.likelihood, epsilon=config.epsilon, temperature=config.temperature)
    return BayesianAssistant(space, likelihood=likelihood, rule=config.rule)


def simulated_interactions(config: SimulateConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The conversations `run` plays: weights (C, F), options (C, R, O, F), picks (C, R), with
    conversation c belonging to user c // conversations."""
    space = get_domain(config.domain)
    weights = user_weights(space, config.users, seed=config.seed)
    conv_weights = np.repeat(weights, config.conversations, axis=0)
    rng = rng_for(config.seed, STREAM_INTERACTION)
    options = sample_interaction_rounds(space, conv_weights, config.rounds, rng)
    picks = user_picks(options, conv_weights)
    if config.user_noise != "none":
        picks = noisy_picks(options, conv_weights, config.user_noise_model(),
                            rng_for(config.seed, STREAM_USER_NOISE))
    return conv_weights, options, picks


def run(config: SimulateConfig, assistant: BayesianAssistant | None = None) -> dict:
    """Play the game and return accuracy after k = 0..rounds (and standard errors).

    `assistant` replaces the one the config describes (noise-table passes fitted ones)."""
    space = get_domain(config.domain)
    assistant = assistant or make_assistant(config)
    heldout = sample_heldout_sets(space, config.heldout_sets, config.seed)
    conv_weights, options, picks = simulated_interactions(config)
    n_users = len(conv_weights) // config.conversations
    heldout_picks = user_picks(np.broadcast_to(heldout, (len(conv_weights), *heldout.shape)), conv_weights)

    n_conv = len(conv_weights)
    correct = np.zeros((n_conv, config.rounds + 1))
    inconsistent = np.zeros(config.rounds + 1)
    chunk = max(1, MAX_CELLS_PER_CHUNK // len(weight_grid(space.num_features)))
    bar = tqdm(total=n_conv, desc=f"simulate {space.name}", unit="conv", disable=not config.progress,
               file=sys.stderr)
    for start in range(0, n_conv, chunk):
        sl = slice(start, start + chunk)
        for k, belief in enumerate(assistant.beliefs(options[sl], picks[sl])):
            predicted = assistant.predict(belief, heldout, shared=True)
            correct[sl, k] = (predicted == heldout_picks[sl]).mean(axis=1)
            inconsistent[k] += belief.inconsistent.sum()
        bar.update(len(conv_weights[sl]))
    bar.close()
    per_user = correct.reshape(n_users, config.conversations, -1).mean(axis=1)
    stderr = per_user.std(axis=0, ddof=1) / np.sqrt(n_users) if n_users > 1 else np.zeros(config.rounds + 1)
    result = {
        "domain": space.name,
        "features": list(space.features),
        "rule": config.rule,
        "likelihood": assistant.likelihood.describe(),
        "users": n_users,
        "conversations_per_user": config.conversations,
        "heldout_sets": config.heldout_sets,
        "seed": config.seed,
        "rounds": list(range(config.rounds + 1)),
        "accuracy": [round(float(a), 6) for a in per_user.mean(axis=0)],
        "stderr": [round(float(s), 6) for s in stderr],
        "inconsistent_fraction": [round(float(x) / n_conv, 6) for x in inconsistent],
        "config": to_dict(config),
    }
    if config.user_noise != "none":
        result["user_noise"] = config.user_noise_model().describe()
        result["choice_consistency"] = round(consistency(options, conv_weights, picks), 6)
    if config.grid_prior is not None:
        result["grid_prior"] = config.grid_prior
    return result


def format_table(result: dict) -> str:
    lines = [
        f"Bayesian Assistant on {result['domain']} ({result['users']} users x "
        f"{result['conversations_per_user']} conversation(s), {result['heldout_sets']} held-out sets, "
        f"rule={result['rule']}, likelihood={result['likelihood']}, seed={result['seed']})",
    ]
    if "user_noise" in result:
        lines.append(f"users pick with noise {result['user_noise']}: {result['choice_consistency']:.3f} of "
                     "their picks are their own best option; accuracy is against the noise-free best")
    if "grid_prior" in result:
        lines.append(f"assistant prior and likelihood from {result['grid_prior']}")
    lines += [
        "",
        "| rounds | accuracy | s.e. |",
        "|---:|---:|---:|",
    ]
    for k, a, s in zip(result["rounds"], result["accuracy"], result["stderr"], strict=True):
        lines.append(f"| {k} | {a:.3f} | {s:.3f} |")
    return "\n".join(lines)


def main(config: SimulateConfig) -> dict:
    result = run(config)
    print(json.dumps(result) if config.json else format_table(result))
    return result


def cli(argv: list[str] | None = None) -> int:
    return run_stage("python -m bayes simulate", SimulateConfig, main, argv, __doc__ or "")[0]
