"""A fitted population prior and noise level as a small JSON file, usable without PyMC.

`python -m bayes fit` writes `grid_prior.json` into its output folder; teacher/ and eval/ read it
with `load_grid_prior` and hand the two parts to `BayesianAssistant(space, prior=..., likelihood=...)`
(or call `noise_aware_assistant`). This module imports numpy only, so that student/ (which never
imports PyMC) and teacher/ stay light.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from bayes.artifacts import write_json
from bayes.choice import Likelihood
from bayes.domains import FeatureSpace, get_domain
from bayes.hypotheses import weight_grid
from bayes.posterior import BayesianAssistant, Rule

FORMAT = "bayes.grid_prior/1"
FILENAME = "grid_prior.json"


class GridPriorError(ValueError):
    pass


def write_grid_prior(
    path: str | Path,
    space: FeatureSpace,
    prior: np.ndarray,
    likelihood: Likelihood,
    extra: dict[str, Any] | None = None,
) -> None:
    """Write the prior (H,) over weight_grid(F) and the likelihood as JSON."""
    prior = np.asarray(prior, dtype=np.float64)
    n = len(weight_grid(space.num_features))
    if prior.shape != (n,):
        raise GridPriorError(f"prior: expected {n} probabilities for {space.name}, got {prior.shape}")
    write_json(path, {
        "format": FORMAT,
        "domain": space.name,
        "features": list(space.features),
        "hypotheses": n,
        "prior": [float(p) for p in prior / prior.sum()],
        "likelihood": {"kind": likelihood.kind, "epsilon": likelihood.epsilon,
                       "temperature": likelihood.temperature},
        **(extra or {}),
    })


def grid_prior_file(path: str | Path) -> Path:
    """`grid_prior.json` itself, or the one inside a `bayes fit` folder."""
    path = Path(path)
    return path / FILENAME if path.is_dir() else path


def grid_prior_id(path: str | Path) -> dict[str, str]:
    """The prior file's path and sha256, for the manifests of the runs that use it."""
    file = grid_prior_file(path)
    return {"grid_prior": str(file), "grid_prior_sha256": hashlib.sha256(file.read_bytes()).hexdigest()}


def load_grid_prior(
    path: str | Path, space: FeatureSpace | None = None
) -> tuple[np.ndarray, Likelihood]:
    """Read `grid_prior.json` (or a fit folder holding one) → (prior (H,), Likelihood).

    With `space`, the file's domain features must match it. Errors name the file and key.
    """
    path = grid_prior_file(path)
    if not path.is_file():
        raise GridPriorError(f"{path}: file not found (expected a {FILENAME} written by `bayes fit`)")
    try:
        obj = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise GridPriorError(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise GridPriorError(f"{path}: key 'format': expected {FORMAT!r}, got {obj.get('format')!r}"
                             if isinstance(obj, dict) else f"{path}: expected a JSON object")
    for key in ("features", "prior", "likelihood"):
        if key not in obj:
            raise GridPriorError(f"{path}: missing key '{key}'")
    features = tuple(obj["features"])
    if space is None:
        space = get_domain(obj.get("domain", ""))
    if features != space.features:
        raise GridPriorError(
            f"{path}: key 'features': {list(features)} do not match domain {space.name} "
            f"({list(space.features)})"
        )
    prior = np.asarray(obj["prior"], dtype=np.float64)
    n = len(weight_grid(space.num_features))
    if prior.shape != (n,) or np.any(prior < 0) or not prior.sum() > 0:
        raise GridPriorError(f"{path}: key 'prior': expected {n} non-negative numbers with a positive sum")
    lk = obj["likelihood"]
    try:
        likelihood = Likelihood(lk["kind"], epsilon=float(lk.get("epsilon", 0.1)),
                                temperature=float(lk.get("temperature", 0.1)))
    except (KeyError, TypeError, ValueError) as err:
        raise GridPriorError(f"{path}: key 'likelihood': {err}") from None
    return prior / prior.sum(), likelihood


def noise_aware_assistant(
    fit_dir: str | Path, space: FeatureSpace | None = None, rule: Rule = "mean"
) -> BayesianAssistant:
    """The exact Bayesian Assistant with a fitted population prior and noise likelihood."""
    path = Path(fit_dir)
    prior, likelihood = load_grid_prior(path, space)
    if space is None:
        obj = json.loads(grid_prior_file(path).read_text())
        space = get_domain(obj["domain"])
    return BayesianAssistant(space, likelihood=likelihood, rule=rule, prior=prior)
