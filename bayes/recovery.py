"""`python -m bayes recovery`: how often the population model's intervals cover the truth.

One fit on one simulated data set says little about the 94% HDIs: even perfectly calibrated
intervals leave all nine population parameters (4 means, 4 scales, beta) inside together only
about 0.94^9 = 57% of the time. This verb repeats the experiment: it simulates `datasets` data
sets from the same known population and noise (exactly as `bayes simulate-data`, data set i with
seed `first_seed + i`), fits each with NUTS as `bayes fit` does, and counts for every parameter
how often the truth falls inside its HDI.

Output folder (resumable: a rerun with the same config fits only the data sets not yet done):

- datasets/seed_<s>.json   one fit's summary (posterior mean, HDI, r-hat, ESS), divergences, time
- coverage.csv, coverage.md  per parameter: truth, coverage (k of n, with a binomial standard
                             error), mean posterior mean; how many data sets had every truth inside
- intervals.png            every data set's HDI per parameter, the truth as a line
- config.yaml, manifest.json
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import yaml

from bayes.artifacts import (
    OutputExistsError,
    config_hash,
    write_json,
    write_run_metadata,
    write_text,
)
from bayes.cli import run_stage
from bayes.config import to_dict
from bayes.fit import check_prior_keys, population_priors

# Keys that do not change any data set's result: a resumed run may change them.
NON_RESULT_KEYS = ("output_dir", "overwrite", "jobs", "progress", "datasets")


@dataclass
class RecoveryConfig:
    output_dir: str = field(default="runs/bayes/recovery", metadata={"help": "folder for the study"})
    overwrite: bool = field(default=False, metadata={"help": "discard an existing study in output_dir"})
    datasets: int = field(default=10, metadata={"help": "simulated data sets (one fit each)"})
    first_seed: int = field(default=0, metadata={"help": "data set i is simulated with seed first_seed + i"})
    domain: str = field(default="flight", metadata={"help": "flight, flight_2 .. flight_5, or hotel"})
    users: int = field(default=500, metadata={"help": "users per data set"})
    rounds: int = field(default=5, metadata={"help": "rounds per user"})
    population_mean: list[float] = field(
        default_factory=lambda: [-0.2, -0.6, -0.4, -0.8], metadata={"help": "true population mean"}
    )
    population_scale: list[float] = field(
        default_factory=lambda: [0.6, 0.5, 0.5, 0.4], metadata={"help": "true population scale"}
    )
    user_temperature: float = field(
        default=0.2, metadata={"help": "users' softmax temperature (true beta = 1 / temperature)"}
    )
    draws: int = field(default=1000, metadata={"help": "posterior draws per chain"})
    tune: int = field(default=1000, metadata={"help": "tuning steps per chain"})
    chains: int = field(default=2, metadata={"help": "chains per fit (run one after another)"})
    target_accept: float = field(default=0.95, metadata={"help": "NUTS target acceptance rate"})
    hdi_prob: float = field(default=0.94, metadata={"help": "probability mass of the intervals"})
    mean_prior_sd: float = field(default=0.5, metadata={"help": "prior sd of each population mean"})
    scale_prior_alpha: float = field(default=2.0, metadata={"help": "Gamma prior shape of each scale"})
    scale_prior_beta: float = field(default=2.0, metadata={"help": "Gamma prior rate of each scale"})
    beta_prior_median: float = field(default=10.0, metadata={"help": "prior median of beta"})
    beta_prior_log_sd: float = field(default=1.5, metadata={"help": "prior sd of log(beta)"})
    jobs: int = field(default=1, metadata={"help": "data sets fitted at once (one process and core each)"})
    progress: bool = field(default=True, metadata={"help": "show a progress bar over data sets"})

    def __post_init__(self) -> None:
        for name in ("datasets", "users", "rounds", "draws", "tune", "chains", "jobs"):
            if getattr(self, name) < 1:
                raise ValueError(f"key '{name}': expected a positive integer, got {getattr(self, name)}")
        if not 0 < self.hdi_prob < 1:
            raise ValueError(f"key 'hdi_prob': expected a number in (0, 1), got {self.hdi_prob}")
        if not 0 < self.target_accept < 1:
            raise ValueError(f"key 'target_accept': expected a number in (0, 1), got {self.target_accept}")
        if not self.user_temperature > 0:
            raise ValueError(f"key 'user_temperature': expected a positive number, got {self.user_temperature}")
        check_prior_keys(self)
        if len(self.population_mean) != len(self.population_scale):
            raise ValueError("keys 'population_mean' and 'population_scale': expected the same length, got "
                             f"{len(self.population_mean)} and {len(self.population_scale)}")


def result_config(config: RecoveryConfig) -> dict:
    """The keys every stored data set's result depends on."""
    return {k: v for k, v in to_dict(config).items() if k not in NON_RESULT_KEYS}


def truth(config: RecoveryConfig, features: list[str]) -> dict[str, float]:
    """The true value of every population parameter, named as in az.summary."""
    out = {f"mean[{f}]": float(m) for f, m in zip(features, config.population_mean, strict=True)}
    out |= {f"scale[{f}]": float(s) for f, s in zip(features, config.population_scale, strict=True)}
    out["beta"] = 1.0 / config.user_temperature
    return out


def fit_one(config: RecoveryConfig, seed: int) -> dict:
    """Simulate data set `seed` as `bayes simulate-data` would, fit it, and summarize."""
    # Sampler chatter from many fits would bury the progress bar; the diagnostics are kept.
    warnings.filterwarnings("ignore")
    logging.getLogger("pymc").setLevel(logging.ERROR)
    from bayes import population
    from bayes.hypotheses import weight_grid
    from bayes.simdata import SimulateDataConfig, simulate_users

    sim = simulate_users(SimulateDataConfig(
        domain=config.domain, users=str(config.users), rounds=config.rounds,
        population_mean=list(config.population_mean), population_scale=list(config.population_scale),
        user_noise="softmax", user_temperature=config.user_temperature, seed=seed,
    ))
    space = sim["space"]
    grid = weight_grid(space.num_features)
    model = population.build_model(sim["options"], sim["picks"], grid, space.features, population_priors(config))
    start = time.perf_counter()
    idata = population.sample(model, draws=config.draws, tune=config.tune, chains=config.chains,
                              cores=1, seed=seed, target_accept=config.target_accept, progressbar=False)
    seconds = time.perf_counter() - start
    diag = population.diagnose(idata, hdi_prob=config.hdi_prob)
    summary = diag.summary
    low, high = summary.columns[2], summary.columns[3]  # hdi_<a>%, hdi_<b>%
    parameters = {}
    for name, value in truth(config, list(space.features)).items():
        row = summary.loc[name]
        parameters[name] = {
            "truth": value, "mean": float(row["mean"]), "hdi_low": float(row[low]),
            "hdi_high": float(row[high]), "inside": bool(row[low] <= value <= row[high]),
            "r_hat": float(row["r_hat"]), "ess_bulk": float(row["ess_bulk"]), "ess_tail": float(row["ess_tail"]),
        }
    return {"seed": seed, "seconds": seconds, "divergences": diag.divergences,
            "diagnostics": diag.message(), "parameters": parameters}


def coverage_table(results: list[dict], hdi_prob: float) -> list[dict]:
    """Per parameter: how many data sets' HDIs hold the truth, and the mean posterior mean."""
    rows = []
    for name in results[0]["parameters"]:
        per = [r["parameters"][name] for r in results]
        n, k = len(per), sum(p["inside"] for p in per)
        rows.append({
            "parameter": name, "truth": per[0]["truth"], "inside": k, "datasets": n,
            "coverage": k / n, "coverage_se": math.sqrt(hdi_prob * (1 - hdi_prob) / n),
            "mean_of_means": float(np.mean([p["mean"] for p in per])),
            "below": sum(p["hdi_high"] < p["truth"] for p in per),
            "above": sum(p["hdi_low"] > p["truth"] for p in per),
            "max_r_hat": max(p["r_hat"] for p in per),
            "min_ess_bulk": min(p["ess_bulk"] for p in per),
        })
    return rows


def coverage_markdown(rows: list[dict], results: list[dict], hdi_prob: float) -> str:
    pct = f"{100 * hdi_prob:g}%"
    lines = [f"| parameter | truth | inside the {pct} HDI | HDI below / above the truth | mean posterior mean |",
             "|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['parameter']} | {r['truth']:g} | {r['inside']} of {r['datasets']} "
                     f"({r['coverage']:.0%}) | {r['below']} / {r['above']} | {r['mean_of_means']:.3f} |")
    all_inside = sum(all(p["inside"] for p in r["parameters"].values()) for r in results)
    expected = hdi_prob ** len(rows)
    lines += [
        "",
        f"Data sets with every truth inside: {all_inside} of {len(results)} (calibrated, independent "
        f"intervals: {expected:.0%} expected). Expected coverage per parameter {pct} ± "
        f"{rows[0]['coverage_se']:.0%} (binomial standard error over {len(results)} data sets).",
        f"Max r-hat {max(r['max_r_hat'] for r in rows):.3f}, min bulk ESS "
        f"{min(r['min_ess_bulk'] for r in rows):.0f}, divergences {sum(r['divergences'] for r in results)} "
        f"in all; sampling {np.median([r['seconds'] for r in results]):.0f} s per fit (median).",
    ]
    return "\n".join(lines) + "\n"


def write_interval_plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results[0]["parameters"])
    fig, axes = plt.subplots(1, len(names), figsize=(2.0 * len(names), 3.2), sharey=True)
    for ax, name in zip(axes, names, strict=True):
        for i, r in enumerate(results):
            p = r["parameters"][name]
            ax.plot([p["hdi_low"], p["hdi_high"]], [i, i], color="tab:blue" if p["inside"] else "tab:red")
            ax.plot(p["mean"], i, "o", ms=2.5, color="black")
        ax.axvline(results[0]["parameters"][name]["truth"], color="gray", ls="--")
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("data set")
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    os.replace(tmp, path)


def prepare_output(config: RecoveryConfig) -> Path:
    """Start a study folder, or resume one made under the same config (else refuse)."""
    out = Path(config.output_dir)
    stored = out / "config.yaml"
    if out.exists() and any(out.iterdir()) and not config.overwrite:
        if not stored.exists():
            raise OutputExistsError(f"{out} exists and is not a recovery study; pass --overwrite true "
                                    "or choose another output_dir")
        previous = {k: v for k, v in (yaml.safe_load(stored.read_text()) or {}).items()
                    if k not in NON_RESULT_KEYS}
        if previous != result_config(config):
            changed = sorted(k for k in set(previous) | set(result_config(config))
                             if previous.get(k) != result_config(config).get(k))
            raise OutputExistsError(f"{out} holds a study made under another config (keys {', '.join(changed)} "
                                    "differ); pass --overwrite true to start again or choose another output_dir")
    elif out.exists() and config.overwrite:
        for old in (out / "datasets").glob("seed_*.json"):
            old.unlink()
    write_run_metadata(out, "bayes.recovery", config, seed=config.first_seed,
                       extra={"result_config_hash": config_hash(result_config(config))})
    return out


def main(config: RecoveryConfig) -> dict:
    from bayes.domains import get_domain

    features = list(get_domain(config.domain).features)
    if len(config.population_mean) != len(features):
        raise ValueError(f"key 'population_mean': expected {len(features)} numbers for {config.domain} "
                         f"({', '.join(features)}), got {len(config.population_mean)}")
    out = prepare_output(config)
    seeds = [config.first_seed + i for i in range(config.datasets)]
    path = {s: out / "datasets" / f"seed_{s:04d}.json" for s in seeds}
    todo = [s for s in seeds if not path[s].exists()]
    if len(todo) < len(seeds):
        print(f"resuming: {len(seeds) - len(todo)} of {len(seeds)} data sets already fitted")
    from tqdm import tqdm

    bar = tqdm(total=len(seeds), initial=len(seeds) - len(todo), desc="data sets", disable=not config.progress)
    if config.jobs == 1:
        for s in todo:
            write_json(path[s], fit_one(config, s))
            bar.update()
    else:
        with ProcessPoolExecutor(config.jobs, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(fit_one, config, s): s for s in todo}
            for future in as_completed(futures):
                write_json(path[futures[future]], future.result())
                bar.update()
    bar.close()
    results = [json.loads(path[s].read_text()) for s in seeds]
    rows = coverage_table(results, config.hdi_prob)
    import pandas as pd

    write_text(out / "coverage.csv", pd.DataFrame(rows).to_csv(index=False))
    table = coverage_markdown(rows, results, config.hdi_prob)
    write_text(out / "coverage.md", table)
    write_interval_plot(results, out / "intervals.png")
    print(table, end="")
    print(f"wrote {out}")
    return {"rows": rows, "results": results}


def cli(argv: list[str] | None = None) -> int:
    return run_stage("python -m bayes recovery", RecoveryConfig, main, argv, __doc__ or "")[0]
