"""`python -m bayes simulate-data`: simulated (noisy) users written as a released interaction file.

Users' weights are drawn from a population on the grid (bayes.noise: a per-feature normal with
`population_mean` and `population_scale`, discretized on the levels -1..1) or are every grid user
(`users: all`, the paper's 624 for flight). Option sets are drawn as in the paper (the user's best
option unique); picks follow `user_noise`. Output folder: interactions.jsonl (idx, reward_fn,
rounds with options text and user_idx, features, rounds_numpy, seed), truth.json (the population
and noise that generated it, and the fraction of picks that are the user's best), config.yaml,
manifest.json. The option text is a plain numeric rendering; teacher/ owns real text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from bayes.artifacts import (
    atomic_output_dir,
    write_json,
    write_run_metadata,
    write_text,
)
from bayes.cli import run_stage
from bayes.config import ConfigError
from bayes.domains import FeatureSpace, get_domain
from bayes.hypotheses import user_weights
from bayes.noise import consistency, noisy_picks, sample_population_users, user_noise_model
from bayes.options import rng_for, sample_interaction_rounds, sample_option_sets

STREAM_USERS = 11
STREAM_OPTIONS = 12
STREAM_PICKS = 13


@dataclass
class SimulateDataConfig:
    domain: str = field(default="flight", metadata={"help": "flight, flight_2 .. flight_5, or hotel"})
    output_dir: str = field(default="runs/bayes/simulated", metadata={"help": "output folder"})
    overwrite: bool = field(default=False, metadata={"help": "replace an existing output_dir"})
    users: str = field(
        default="500", metadata={"help": "number of users drawn from the population, or 'all' grid users"}
    )
    rounds: int = field(default=5, metadata={"help": "rounds per user"})
    population_mean: list[float] = field(
        default_factory=lambda: [-0.2, -0.6, -0.4, -0.8],
        metadata={"help": "per-feature population mean of the weights (users drawn from the population)"},
    )
    population_scale: list[float] = field(
        default_factory=lambda: [0.6, 0.5, 0.5, 0.4],
        metadata={"help": "per-feature population scale of the weights"},
    )
    user_noise: Literal["none", "epsilon", "softmax"] = field(
        default="softmax", metadata={"help": "how users pick: argmax, epsilon-random, or softmax"}
    )
    user_epsilon: float = field(default=0.3, metadata={"help": "random-pick probability (user_noise=epsilon)"})
    user_temperature: float = field(default=0.2, metadata={"help": "softmax temperature (user_noise=softmax)"})
    unique_best: bool = field(default=True, metadata={"help": "redraw option sets until the best is unique"})
    seed: int = field(default=0, metadata={"help": "random seed"})

    def __post_init__(self) -> None:
        if self.rounds < 1:
            raise ValueError(f"key 'rounds': expected a positive integer, got {self.rounds}")
        if self.users != "all" and not (self.users.isdigit() and int(self.users) > 0):
            raise ValueError(f"key 'users': expected 'all' or a positive integer, got {self.users!r}")
        if any(s <= 0 for s in self.population_scale):
            raise ValueError(f"key 'population_scale': expected positive numbers, got {self.population_scale}")
        user_noise_model(self.user_noise, self.user_epsilon, self.user_temperature)  # validates the level


def option_text(space: FeatureSpace, index: int, values: np.ndarray) -> str:
    parts = ", ".join(f"{name}: {v:g}" for name, v in zip(space.features, values, strict=True))
    return f"{space.kind.capitalize()} {index + 1}: {parts}"


def simulate_users(config: SimulateDataConfig) -> dict:
    """The simulated data as arrays: weights (N, F), options (N, R, O, F), picks (N, R)."""
    space = get_domain(config.domain)
    if config.users == "all":
        weights = user_weights(space, "all", seed=config.seed)
    else:
        for key in ("population_mean", "population_scale"):
            if len(getattr(config, key)) != space.num_features:
                raise ConfigError(f"key '{key}': expected {space.num_features} numbers for {space.name} "
                                  f"({', '.join(space.features)}), got {len(getattr(config, key))}")
        weights = sample_population_users(np.asarray(config.population_mean),
                                          np.asarray(config.population_scale),
                                          int(config.users), rng_for(config.seed, STREAM_USERS))
    rng = rng_for(config.seed, STREAM_OPTIONS)
    if config.unique_best:
        options = sample_interaction_rounds(space, weights, config.rounds, rng)
    else:
        options = sample_option_sets(space, (len(weights), config.rounds), rng)
    noise = user_noise_model(config.user_noise, config.user_epsilon, config.user_temperature)
    picks = noisy_picks(options, weights, noise, rng_for(config.seed, STREAM_PICKS))
    return {"space": space, "weights": weights, "options": options, "picks": picks, "noise": noise}


def to_jsonl(space: FeatureSpace, weights, options, picks, seed: int) -> str:
    lines = []
    for i, (w, opts, pk) in enumerate(zip(weights, options, picks, strict=True)):
        rounds = [{"options": [option_text(space, j, o) for j, o in enumerate(round_opts)],
                   "user_idx": int(p)} for round_opts, p in zip(opts, pk, strict=True)]
        lines.append(json.dumps({
            "idx": i, "reward_fn": [float(x) for x in w], "rounds": rounds, "seed": seed,
            "features": list(space.features), "rounds_numpy": np.round(opts, 6).tolist(),
        }))
    return "\n".join(lines) + "\n"


def main(config: SimulateDataConfig) -> dict:
    sim = simulate_users(config)
    space = sim["space"]
    truth = {
        "domain": space.name,
        "features": list(space.features),
        "users": len(sim["weights"]),
        "users_from": "grid" if config.users == "all" else "population",
        "population_mean": None if config.users == "all" else list(config.population_mean),
        "population_scale": None if config.users == "all" else list(config.population_scale),
        "user_noise": sim["noise"].describe(),
        "inverse_temperature": 1.0 / config.user_temperature if config.user_noise == "softmax" else None,
        "choice_consistency": consistency(sim["options"], sim["weights"], sim["picks"]),
    }
    with atomic_output_dir(config.output_dir, config.overwrite) as tmp:
        write_text(tmp / "interactions.jsonl",
                   to_jsonl(space, sim["weights"], sim["options"], sim["picks"], config.seed))
        write_json(tmp / "truth.json", truth)
        write_run_metadata(tmp, "bayes.simulate_data", config, seed=config.seed)
    print(f"wrote {Path(config.output_dir) / 'interactions.jsonl'}: {truth['users']} users x "
          f"{config.rounds} rounds, noise {truth['user_noise']}, "
          f"{truth['choice_consistency']:.3f} of picks are the user's best option")
    return truth


def cli(argv: list[str] | None = None) -> int:
    return run_stage("python -m bayes simulate-data", SimulateDataConfig, main, argv, __doc__ or "")[0]
