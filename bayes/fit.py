"""`python -m bayes fit`: fit the population model (bayes/population.py) to recorded choices.

Input: an interaction file in the released format (features in `rounds_numpy`, picks in
`user_idx`; the stated `reward_fn` is optional and unused by the fit). Output folder:

- posterior.nc            the ArviZ InferenceData (posterior, sample_stats, constant_data)
- summary.csv, summary.md az.summary of mean, scale, beta and the per-feature level probabilities
- diagnostics.json        r-hat, effective sample sizes, divergences and which checks failed
- trace.png, rank.png, posterior.png   diagnostic plots of the population parameters
- grid_prior.json         the fitted prior over the hypothesis grid and the noise likelihood,
                          readable without PyMC (bayes.noise_prior.load_grid_prior)
- config.yaml, manifest.json  the resolved config; the manifest carries `model_id`, a hash of
                          the model version, the data and every config key that changes the fit

Fitting again into a folder that holds a fit with the same model id reuses it; a different model
id is an error (unless --overwrite true), and `load_fit(dir, config)` refuses a fit made under
another config.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from bayes.artifacts import (
    OutputExistsError,
    atomic_output_dir,
    file_sha256,
    write_json,
    write_run_metadata,
    write_text,
)
from bayes.choice import Likelihood
from bayes.config import ConfigError, from_dict, parse_config, to_dict
from bayes.data import ChoiceData, DataError, read_interaction_jsonl
from bayes.domains import DOMAINS, DomainError, FeatureSpace, get_domain
from bayes.hypotheses import weight_grid
from bayes.noise import consistency, population_prior
from bayes.noise_prior import FILENAME as GRID_PRIOR_FILE
from bayes.noise_prior import noise_aware_assistant, write_grid_prior

__all__ = ["FitConfig", "Fit", "load_fit", "grid_prior", "noise_likelihood", "noise_aware_assistant",
           "main", "cli"]

# Keys that do not change the posterior: excluded from the model id.
NON_MODEL_KEYS = ("output_dir", "overwrite", "plots", "strict", "progress", "r_hat_max", "ess_min")
# Above this many hypotheses the per-user sum over the grid is too large to sample in minutes.
MAX_HYPOTHESES = 5**5 - 1


class FitError(ValueError):
    """A fit folder is missing, incomplete, or was made under another config."""


@dataclass
class FitConfig:
    data: str = field(default="", metadata={"help": "interaction JSONL in the released format (required)"})
    domain: str | None = field(
        default=None, metadata={"help": "domain name; default: the domain whose features the file names"}
    )
    output_dir: str = field(default="runs/bayes/fit", metadata={"help": "folder for the fit"})
    overwrite: bool = field(default=False, metadata={"help": "replace an existing output_dir"})
    max_users: int | None = field(default=None, metadata={"help": "fit only the first N users"})
    draws: int = field(default=500, metadata={"help": "posterior draws per chain"})
    tune: int = field(default=500, metadata={"help": "tuning steps per chain"})
    chains: int = field(default=2, metadata={"help": "chains"})
    cores: int = field(default=1, metadata={"help": "chains run in parallel (1: one after another)"})
    target_accept: float = field(default=0.9, metadata={"help": "NUTS target acceptance rate"})
    sampler: Literal["pymc", "nutpie", "numpyro"] = field(
        default="pymc", metadata={"help": "NUTS implementation (nutpie/numpyro must be installed)"}
    )
    init: Literal["jitter+adapt_full", "jitter+adapt_diag"] = field(
        default="jitter+adapt_full",
        metadata={"help": "NUTS mass matrix: dense (mean, scale and beta are correlated) or diagonal"},
    )
    seed: int = field(default=0, metadata={"help": "random seed of the sampler"})
    mean_prior_sd: float = field(
        default=0.5, metadata={"help": "prior sd of each feature's population mean (weights lie in [-1, 1])"}
    )
    scale_prior_alpha: float = field(default=2.0, metadata={"help": "Gamma prior shape of each population scale"})
    scale_prior_beta: float = field(default=2.0, metadata={"help": "Gamma prior rate of each population scale"})
    beta_prior_median: float = field(default=10.0, metadata={"help": "prior median of the inverse temperature"})
    beta_prior_log_sd: float = field(default=1.5, metadata={"help": "prior sd of log(inverse temperature)"})
    r_hat_max: float = field(default=1.01, metadata={"help": "warn when any r-hat is above this"})
    ess_min: float = field(
        default=200.0, metadata={"help": "warn when any bulk or tail ESS is below this (100 per chain)"}
    )
    plots: bool = field(default=True, metadata={"help": "write trace, rank and posterior plots"})
    strict: bool = field(default=False, metadata={"help": "exit 1 when the diagnostics fail"})
    progress: bool = field(default=True, metadata={"help": "show the sampler's progress bar"})

    def __post_init__(self) -> None:
        for name in ("draws", "tune", "chains", "cores"):
            if getattr(self, name) < 1:
                raise ValueError(f"key '{name}': expected a positive integer, got {getattr(self, name)}")
        if self.max_users is not None and self.max_users < 1:
            raise ValueError(f"key 'max_users': expected a positive integer, got {self.max_users}")
        check_prior_keys(self)
        if not 0 < self.target_accept < 1:
            raise ValueError(f"key 'target_accept': expected a number in (0, 1), got {self.target_accept}")


PRIOR_KEYS = ("mean_prior_sd", "scale_prior_alpha", "scale_prior_beta", "beta_prior_median",
              "beta_prior_log_sd")


def check_prior_keys(config) -> None:
    """The prior keys (`fit` and `recovery` configs both have them) must be positive."""
    for name in PRIOR_KEYS:
        if not getattr(config, name) > 0:
            raise ValueError(f"key '{name}': expected a positive number, got {getattr(config, name)}")


def population_priors(config):
    """population.PopulationPriors from a config's prior keys."""
    from bayes import population

    return population.PopulationPriors(
        mean_sd=config.mean_prior_sd, scale_alpha=config.scale_prior_alpha, scale_beta=config.scale_prior_beta,
        beta_median=config.beta_prior_median, beta_log_sd=config.beta_prior_log_sd,
    )


@dataclass
class Fit:
    """A loaded fit: the posterior, the domain and the folder's metadata."""

    path: Path
    idata: object  # arviz.InferenceData
    space: FeatureSpace
    config: dict
    manifest: dict

    def draws(self, name: str) -> np.ndarray:
        values = self.idata.posterior[name].values
        return values.reshape(-1, *values.shape[2:])


# -- inputs ------------------------------------------------------------------------------------
def resolve_domain(config: FitConfig, data: ChoiceData) -> FeatureSpace:
    """The configured domain, or the one whose feature names the file gives; must match the file."""
    if config.domain is not None:
        space = get_domain(config.domain)
        if data.features and tuple(data.features) != space.features:
            raise DomainError(
                f"{data.source}: features {list(data.features)} differ from domain {space.name} "
                f"({list(space.features)})"
            )
    else:
        matches = [s for s in DOMAINS.values() if s.features == tuple(data.features)]
        if not matches:
            raise DomainError(f"{data.source}: no domain has the features {list(data.features)}; set 'domain'")
        space = matches[0]
    if data.options.shape[-1] != space.num_features:
        raise DomainError(f"{data.source}: {data.options.shape[-1]} feature columns, "
                          f"domain {space.name} has {space.num_features}")
    if len(weight_grid(space.num_features)) > MAX_HYPOTHESES:
        raise DomainError(f"domain {space.name}: the grid has {len(weight_grid(space.num_features))} "
                          f"hypotheses; the population model sums over at most {MAX_HYPOTHESES}")
    space.validate_options(data.options, where=data.source)
    return space


def load_data(config: FitConfig) -> tuple[ChoiceData, FeatureSpace]:
    if not config.data:
        raise ConfigError("key 'data': required (an interaction JSONL file)")
    data = read_interaction_jsonl(config.data)
    if config.max_users is not None:
        keep = slice(0, config.max_users)
        data = ChoiceData(data.source, data.features, data.idx[keep], data.options[keep],
                          data.picks[keep], None if data.weights is None else data.weights[keep],
                          data.option_texts[keep])
    return data, resolve_domain(config, data)


def data_hash(data: ChoiceData) -> str:
    h = hashlib.sha256()
    for array in (data.idx, data.options, data.picks):
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()


def model_config(config: FitConfig | dict) -> dict:
    resolved = to_dict(config) if not isinstance(config, dict) else dict(config)
    return {k: v for k, v in resolved.items() if k not in NON_MODEL_KEYS}


def model_id(config: FitConfig | dict, data_sha256: str) -> str:
    from bayes.population import MODEL_VERSION

    payload = json.dumps({"model": MODEL_VERSION, "data": data_sha256, "config": model_config(config)},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


# -- loading a fit -----------------------------------------------------------------------------
def load_fit(fit_dir: str | Path, config: FitConfig | None = None) -> Fit:
    """Load a fit folder; with `config`, refuse a fit whose model id differs (names the keys)."""
    import arviz as az

    path = Path(fit_dir)
    for name in ("manifest.json", "config.yaml", "posterior.nc"):
        if not (path / name).is_file():
            raise FitError(f"{path}: not a fit folder (missing {name})")
    manifest = json.loads((path / "manifest.json").read_text())
    saved = from_dict(FitConfig, _read_yaml(path / "config.yaml"), source=str(path / "config.yaml"))
    if config is not None:
        data, _ = load_data(config)
        expected = model_id(config, data_hash(data))
        if expected != manifest.get("model_id"):
            differ = sorted(k for k, v in model_config(config).items() if model_config(saved).get(k) != v)
            why = f"keys differ: {', '.join(differ)}" if differ else "the data differ"
            raise FitError(f"{path}: fit {manifest.get('model_id')} was made under another config "
                           f"({why}); refit with --overwrite true or use another output_dir")
    idata = az.from_netcdf(path / "posterior.nc")
    space = get_domain(manifest["domain"])
    return Fit(path, idata, space, to_dict(saved), manifest)


def _read_yaml(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text()) or {}


def grid_prior(fit: Fit, space: FeatureSpace | None = None) -> np.ndarray:
    """The population distribution on the grid (H,), averaged over the posterior draws."""
    space = space or fit.space
    if space.features != fit.space.features:
        raise FitError(f"{fit.path}: fitted on {fit.space.name}, asked for {space.name}")
    return population_prior(fit.draws("mean"), fit.draws("scale"), weight_grid(space.num_features))


def noise_likelihood(fit: Fit) -> Likelihood:
    """Softmax choice noise with temperature 1 / (posterior median of beta), in grid reward units."""
    return Likelihood("softmax", temperature=float(1.0 / np.median(fit.draws("beta"))))


# -- outputs -----------------------------------------------------------------------------------
def summary_markdown(summary, diagnostics_line: str) -> str:
    cols = ["mean", "sd", "hdi_3%", "hdi_97%", "ess_bulk", "ess_tail", "r_hat"]
    lines = ["| parameter | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for name, row in summary[cols].iterrows():
        cells = [f"{row[c]:.0f}" if c.startswith("ess") else f"{row[c]:.3f}" for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\n{diagnostics_line}\n"


def write_plots(idata, out_dir: Path) -> list[str]:
    import arviz as az
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["mean", "scale", "beta"]
    written = []
    for filename, plot in (("trace.png", az.plot_trace), ("rank.png", az.plot_rank),
                           ("posterior.png", az.plot_posterior)):
        axes = plot(idata, var_names=names)
        fig = np.asarray(axes).flat[0].get_figure()
        fig.tight_layout()
        fig.savefig(out_dir / filename, dpi=80)
        plt.close(fig)
        written.append(filename)
    return written


def run_fit(config: FitConfig) -> dict:
    from bayes import population

    data, space = load_data(config)
    data_sha = data_hash(data)
    mid = model_id(config, data_sha)
    out = Path(config.output_dir)
    if (out / "manifest.json").is_file() and not config.overwrite:
        previous = json.loads((out / "manifest.json").read_text()).get("model_id")
        if previous == mid:
            print(f"{out}: fit {mid} is up to date (same model id); nothing to do", file=sys.stderr)
            return json.loads((out / "diagnostics.json").read_text())
        load_fit(out, config)  # raises FitError naming the keys that differ
    hypotheses = weight_grid(space.num_features)
    model = population.build_model(data.options, data.picks, hypotheses, space.features,
                                   population_priors(config),
                                   users=data.idx)
    start = time.perf_counter()
    idata = population.sample(model, config.draws, config.tune, config.chains, config.cores,
                              config.seed, config.target_accept, config.sampler, config.progress,
                              init=config.init)
    seconds = time.perf_counter() - start
    diag = population.diagnose(idata, ("mean", "scale", "beta", "level_probs"),
                               config.r_hat_max, config.ess_min)
    if not diag.ok:
        warnings.warn(diag.message(), RuntimeWarning, stacklevel=2)
        print(f"WARNING: {diag.message()}", file=sys.stderr)
    prior = population_prior(population.posterior_draws(idata, "mean"),
                             population.posterior_draws(idata, "scale"), hypotheses)
    temperature = float(1.0 / np.median(population.posterior_draws(idata, "beta")))
    steps = idata.sample_stats["n_steps"].values if "n_steps" in idata.sample_stats else None
    report = {
        "model_id": mid,
        "ok": diag.ok,
        "failures": diag.failures,
        "divergences": diag.divergences,
        "r_hat_max": float(diag.summary["r_hat"].max()),
        "ess_bulk_min": float(diag.summary["ess_bulk"].min()),
        "ess_tail_min": float(diag.summary["ess_tail"].min()),
        "sampler": config.sampler,
        "draws": config.draws, "tune": config.tune, "chains": config.chains, "cores": config.cores,
        "sampling_seconds": round(seconds, 1),
        "mean_leapfrog_steps": None if steps is None else float(steps.mean()),
        "users": len(data), "rounds": int(data.picks.shape[1]),
        "temperature": temperature,
        "choice_consistency": None if data.weights is None
        else consistency(data.options, data.weights, data.picks),
    }
    with atomic_output_dir(out, overwrite=config.overwrite) as tmp:
        idata.to_netcdf(str(tmp / "posterior.nc"))
        diag.summary.to_csv(tmp / "summary.csv")
        write_text(tmp / "summary.md", summary_markdown(diag.summary, diag.message()))
        write_json(tmp / "diagnostics.json", report)
        write_grid_prior(tmp / GRID_PRIOR_FILE, space, prior, Likelihood("softmax", temperature=temperature),
                         extra={"source": {"model_id": mid, "data": config.data},
                                "inverse_temperature_median": 1.0 / temperature})
        if config.plots:
            write_plots(idata, tmp)
        write_run_metadata(tmp, "bayes.fit", config, seed=config.seed,
                           inputs={"data": {"path": config.data, "sha256": file_sha256(config.data),
                                            "choices_sha256": data_sha}},
                           extra={"model_id": mid, "model": population.MODEL_VERSION,
                                  "domain": space.name, "sampler": config.sampler,
                                  "sampling_seconds": report["sampling_seconds"]})
    return report


def main(config: FitConfig) -> dict:
    report = run_fit(config)
    out = Path(config.output_dir)
    print((out / "summary.md").read_text())
    print(f"wrote {out} (model id {report['model_id']}, {report['users']} users, sampler "
          f"{report['sampler']}, {report['chains']} chains x {report['draws']} draws after "
          f"{report['tune']} tuning, {report['sampling_seconds']} s sampling)")
    return report


def cli(argv: list[str] | None = None) -> int:
    prog = "python -m bayes fit"
    config = parse_config(FitConfig, argv, prog, __doc__ or "")
    try:
        report = main(config)
    except (ConfigError, DataError, DomainError, FitError, OutputExistsError, ValueError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    return 1 if config.strict and not report["ok"] else 0
