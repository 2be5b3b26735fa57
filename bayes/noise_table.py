"""`python -m bayes noise-table`: the paper's assistant against noise-aware ones, with noisy users.

For each user noise level, the simulated users (as in `bayes simulate`) pick noisily in the five
interaction rounds; held-out accuracy is scored against each user's noise-free best option (what
the user really prefers). Every assistant sees the same option sets and the same noisy picks.

Noise levels and assistants are written `kind:value`:
- noise levels: `none`, `epsilon:E` (random pick with probability E), `softmax:T` (temperature T);
- assistants: `paper` (indicator likelihood, uniform prior: the paper's Bayesian Assistant),
  `matched` (uniform prior, the users' true noise model as likelihood; with `none` it is `paper`),
  `epsilon:E` / `softmax:T` (a fixed noise likelihood whatever the users do),
  `fit` (the population model fitted with PyMC to the users' own interaction rounds: fitted grid
  prior and softmax temperature; the fit's draws are set by the fit_* keys).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from bayes.artifacts import (
    atomic_output_dir,
    write_json,
    write_run_metadata,
    write_text,
)
from bayes.choice import Likelihood
from bayes.cli import run_stage
from bayes.domains import get_domain
from bayes.hypotheses import weight_grid
from bayes.noise import population_prior
from bayes.posterior import BayesianAssistant
from bayes.simulate import SimulateConfig, run, simulated_interactions


@dataclass
class NoiseTableConfig:
    domain: str = field(default="flight", metadata={"help": "flight, flight_2 .. flight_5, or hotel"})
    users: str = field(default="all", metadata={"help": "'all' grid users or a number sampled with the seed"})
    conversations: int = field(default=1, metadata={"help": "conversations per user"})
    rounds: int = field(default=5, metadata={"help": "interaction rounds"})
    heldout_sets: int = field(default=100, metadata={"help": "held-out option sets"})
    rule: Literal["mean", "vote"] = field(default="mean", metadata={"help": "the assistants' prediction rule"})
    seed: int = field(default=0, metadata={"help": "random seed (users, option sets, noisy picks)"})
    noise_levels: list[str] = field(
        default_factory=lambda: ["none", "epsilon:0.1", "epsilon:0.3", "softmax:0.05", "softmax:0.1",
                                 "softmax:0.2"],
        metadata={"help": "user noise levels: none, epsilon:E, softmax:T"},
    )
    assistants: list[str] = field(
        default_factory=lambda: ["paper", "matched", "epsilon:0.2"],
        metadata={"help": "assistants (columns): paper, matched, epsilon:E, softmax:T, fit"},
    )
    fit_draws: int = field(default=300, metadata={"help": "posterior draws per chain (assistant 'fit')"})
    fit_tune: int = field(default=300, metadata={"help": "tuning steps per chain (assistant 'fit')"})
    fit_chains: int = field(default=2, metadata={"help": "chains (assistant 'fit')"})
    output_dir: str | None = field(default=None, metadata={"help": "also write table.md and results.json here"})
    overwrite: bool = field(default=False, metadata={"help": "replace an existing output_dir"})

    def __post_init__(self) -> None:
        for level in self.noise_levels:
            parse_noise(level, "noise_levels")
        for name in self.assistants:
            if name not in ("paper", "matched", "fit"):
                parse_noise(name, "assistants")
        if not self.noise_levels or not self.assistants:
            raise ValueError("keys 'noise_levels' and 'assistants': expected at least one entry each")


def parse_noise(text: str, key: str) -> Likelihood:
    """`none` → indicator; `epsilon:E`, `softmax:T` → that likelihood."""
    kind, _, value = text.partition(":")
    if kind == "none" and not value:
        return Likelihood("indicator")
    try:
        if kind == "epsilon":
            return Likelihood("epsilon", epsilon=float(value))
        if kind == "softmax":
            return Likelihood("softmax", temperature=float(value))
    except ValueError as err:
        raise ValueError(f"key '{key}': {text!r}: {err}") from None
    raise ValueError(f"key '{key}': expected none, epsilon:E or softmax:T, got {text!r}")


def simulate_config(config: NoiseTableConfig, level: Likelihood) -> SimulateConfig:
    noise = "none" if level.kind == "indicator" else level.kind
    return SimulateConfig(domain=config.domain, rule=config.rule, users=config.users,
                          conversations=config.conversations, rounds=config.rounds,
                          heldout_sets=config.heldout_sets, seed=config.seed, progress=False,
                          user_noise=noise, user_epsilon=level.epsilon, user_temperature=level.temperature)


def fitted_assistant(config: NoiseTableConfig, sim: SimulateConfig) -> tuple[BayesianAssistant, dict]:
    """Fit the population model to the simulated users' own rounds; the assistant it implies."""
    from bayes import population

    space = get_domain(config.domain)
    hypotheses = weight_grid(space.num_features)
    _, options, picks = simulated_interactions(sim)
    model = population.build_model(options, picks, hypotheses, space.features)
    start = time.perf_counter()
    idata = population.sample(model, config.fit_draws, config.fit_tune, config.fit_chains, 1,
                              config.seed, progressbar=False)
    diag = population.diagnose(idata)
    prior = population_prior(population.posterior_draws(idata, "mean"),
                             population.posterior_draws(idata, "scale"), hypotheses)
    temperature = float(1.0 / np.median(population.posterior_draws(idata, "beta")))
    info = {"temperature": temperature, "diagnostics": diag.message(),
            "seconds": round(time.perf_counter() - start, 1)}
    likelihood = Likelihood("softmax", temperature=temperature)
    return BayesianAssistant(space, likelihood=likelihood, rule=config.rule, prior=prior), info


def run_table(config: NoiseTableConfig) -> list[dict]:
    rows = []
    for level_text in config.noise_levels:
        level = parse_noise(level_text, "noise_levels")
        sim = simulate_config(config, level)
        row = {"user_noise": level_text, "results": {}}
        for name in config.assistants:
            info = {}
            if name == "fit":
                assistant, info = fitted_assistant(config, sim)
                result = run(sim, assistant)
            else:
                likelihood = {"paper": Likelihood("indicator"), "matched": level}.get(name) or \
                    parse_noise(name, "assistants")
                result = run(replace(sim, likelihood=likelihood.kind, epsilon=likelihood.epsilon,
                                     temperature=likelihood.temperature))
            row["consistency"] = result.get("choice_consistency", 1.0)
            row["results"][name] = {"likelihood": result["likelihood"], "accuracy": result["accuracy"],
                                    "stderr": result["stderr"],
                                    "inconsistent_fraction": result["inconsistent_fraction"][-1], **info}
            print(f"  {level_text:>13} | {name:>11}: accuracy after {config.rounds} rounds "
                  f"{result['accuracy'][-1]:.3f}", file=sys.stderr)
        rows.append(row)
    return rows


def format_table(config: NoiseTableConfig, rows: list[dict]) -> str:
    k = config.rounds
    head = ["user noise", "picks = own best"] + [f"{a} (k=1 → k={k})" for a in config.assistants]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for row in rows:
        cells = [row["user_noise"], f"{row['consistency']:.2f}"]
        for a in config.assistants:
            r = row["results"][a]
            cell = f"{r['accuracy'][1]:.3f} → **{r['accuracy'][-1]:.3f}** ± {r['stderr'][-1]:.3f}"
            if a == "paper" and r["inconsistent_fraction"] > 0:
                cell += f" ({r['inconsistent_fraction']:.0%} flagged)"
            if a == "fit":
                cell += f" (T={r['temperature']:.3f})"
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(config: NoiseTableConfig) -> list[dict]:
    start = time.perf_counter()
    rows = run_table(config)
    table = format_table(config, rows)
    seconds = round(time.perf_counter() - start, 1)
    print(f"Held-out accuracy ({config.heldout_sets} sets, rule={config.rule}) of assistants against "
          f"users who pick noisily in the {config.rounds} rounds; domain {config.domain}, users "
          f"{config.users}, seed {config.seed} ({seconds} s)\n")
    print(table)
    if config.output_dir:
        with atomic_output_dir(config.output_dir, config.overwrite) as tmp:
            write_text(tmp / "table.md", table + "\n")
            write_json(tmp / "results.json", {"rows": rows, "seconds": seconds})
            write_run_metadata(tmp, "bayes.noise_table", config, seed=config.seed)
    return rows


def cli(argv: list[str] | None = None) -> int:
    return run_stage("python -m bayes noise-table", NoiseTableConfig, main, argv, __doc__ or "")[0]
