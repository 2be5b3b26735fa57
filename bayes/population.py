"""A hierarchical discrete-choice model of a population of users, in PyMC 5.

The model (named dims: feature, level, hypothesis, user):

    mean[feature]  ~ Normal(0, mean_sd)           population centre of each feature's weight
    scale[feature] ~ Gamma(2, 2)                  population spread of each feature's weight
    beta           = exp(log_beta), log_beta ~ Normal(log(beta_median), beta_log_sd)
    θ_u ∈ grid     ~ P(θ = h) ∝ Π_f exp(-(h_f - mean_f)² / (2 scale_f²)), h ≠ 0   (per user)
    pick_{u,r}     ~ Categorical(softmax(beta · θ_u·φ(options_{u,r})))

Why the user weights live on the hypothesis grid. Choices identify only beta·θ: doubling every
weight and halving beta predicts the same picks, so a continuous weight model needs its scale
pinned somewhere. Here the grid pins it: weights take the paper's levels {-1, -0.5, 0, 0.5, 1},
so beta is the inverse temperature in the reward units of the Bayesian Assistant's grid, and the
fitted population on the grid is directly the assistant's prior (no conversion, no second model).
The price is that the per-user weight is discrete, which NUTS cannot sample; it is summed out
exactly (a mixture over the H hypotheses per user), and each user's posterior over the grid is
recovered afterwards (`user_posteriors`). NUTS then samples 2F + 1 continuous parameters.

Speed. With O options, a pick's log-probability under hypothesis h is
-log(1 + Σ_{o ≠ pick} exp(beta · (r_o - r_pick))), and the reward differences r_o - r_pick lie on
a lattice (weights on a 0.5 grid, features on 0.05 grids), so across all users, rounds and
hypotheses only a few thousand distinct difference tuples occur. The model evaluates the softmax
once per distinct tuple and sums rounds with a sparse count matrix (users·hypotheses × tuples),
inside one NumPy Op that also returns the gradient (MarginalChoiceLogLikelihood); see
benchmarks/bench_fit.py for its cost against a dense softmax.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse

warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")

import arviz as az  # noqa: E402
import pymc as pm  # noqa: E402
import pytensor.tensor as pt  # noqa: E402
from pytensor.gradient import DisconnectedType  # noqa: E402
from pytensor.graph.basic import Apply  # noqa: E402
from pytensor.graph.op import Op  # noqa: E402

from bayes.hypotheses import WEIGHT_LEVELS  # noqa: E402
from bayes.noise import population_log_prior  # noqa: E402

MODEL_VERSION = "population-grid-softmax/1"
POPULATION_VARS = ("mean", "scale", "beta")
LEVEL_NAMES = [f"{w:g}" for w in WEIGHT_LEVELS]
ZERO_LEVEL = WEIGHT_LEVELS.index(0.0)
# Reward differences are multiples of 0.025; rounding to 1e-6 merges float noise only.
DIFF_DECIMALS = 6


@dataclass(frozen=True)
class PopulationPriors:
    # Weights live on [-1, 1]; a centre far outside adds prior volume (every such centre puts
    # the mass on the edge level) that pulled fits toward extreme users and too much noise
    # (README, "Recovery"): sd 0.5 keeps 95% of the prior inside [-1, 1].
    mean_sd: float = 0.5
    scale_alpha: float = 2.0
    scale_beta: float = 2.0
    beta_median: float = 10.0
    beta_log_sd: float = 1.5


@dataclass
class ChoiceStructure:
    """What the likelihood needs from the data: distinct reward-difference tuples and counts."""

    n_users: int
    hypotheses: np.ndarray  # (H, F)
    diffs: np.ndarray  # (K, O-1): r_other - r_pick for each distinct tuple
    counts: scipy.sparse.csr_matrix  # (N*H, K): how often user n under hypothesis h meets tuple k


def choice_structure(options: np.ndarray, picks: np.ndarray, hypotheses: np.ndarray) -> ChoiceStructure:
    """Precompute the distinct difference tuples: options (N, R, O, F), picks (N, R)."""
    options = np.asarray(options, dtype=np.float64)
    picks = np.asarray(picks, dtype=np.int64)
    n, r, o, _ = options.shape
    picked = np.take_along_axis(options, picks[:, :, None, None], axis=2)  # (N, R, 1, F)
    others = np.argsort(np.arange(o)[None, None, :] == picks[:, :, None], axis=-1, kind="stable")
    others = others[:, :, : o - 1]  # indices of the non-picked options, in order
    delta = np.take_along_axis(options, others[..., None], axis=2) - picked  # (N, R, O-1, F)
    diffs = np.einsum("nrjf,hf->nhrj", delta, hypotheses)  # (N, H, R, O-1)
    # The softmax is symmetric in the non-picked options: sort so (a, b) and (b, a) merge.
    tuples = np.sort(np.round(diffs, DIFF_DECIMALS), axis=-1).reshape(-1, o - 1)
    unique, inverse = np.unique(tuples, axis=0, return_inverse=True)
    rows = np.repeat(np.arange(n * len(hypotheses)), r)
    counts = scipy.sparse.csr_matrix(
        (np.ones(len(rows)), (rows, inverse.reshape(-1))), shape=(n * len(hypotheses), len(unique))
    )
    counts.sum_duplicates()
    return ChoiceStructure(n, np.asarray(hypotheses, dtype=np.float64), unique, counts)


def _level_log_probs(mean, scale):
    """log P(weight_f = level) (F, 5), the discretized normal of bayes.noise.level_log_probs."""
    levels = pt.as_tensor_variable(np.asarray(WEIGHT_LEVELS))
    z = -0.5 * ((levels[None, :] - mean[:, None]) / scale[:, None]) ** 2
    return z - pt.logsumexp(z, axis=1, keepdims=True)


def _hypothesis_log_prior(level_logp, hypotheses: np.ndarray):
    """log P(θ = h) (H,) over the grid, all-zero excluded (bayes.noise.population_log_prior)."""
    index = np.rint((hypotheses + 1.0) * 2).astype(np.int64)
    features = np.arange(hypotheses.shape[1])
    joint = level_logp[features[None, :], index].sum(axis=1)
    return joint - pt.log1mexp(level_logp[:, ZERO_LEVEL].sum())


def tuple_log_probs(diffs: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """log P(pick) for each difference tuple (K,) and its derivative in beta (K,)."""
    logits = np.concatenate([np.zeros((len(diffs), 1)), beta * diffs], axis=1)
    log_norm = np.logaddexp.reduce(logits, axis=1)
    probs = np.exp(logits[:, 1:] - log_norm[:, None])
    return -log_norm, -(probs * diffs).sum(axis=1)


class MarginalChoiceLogLikelihood(Op):
    """(beta, log prior over the grid (H,)) → Σ_n log Σ_h prior_h P(user n's picks | h, beta).

    A NumPy Op with its own gradient: the per-user log-likelihoods (N, H) and their derivative in
    beta are sparse count products, and one exp of the (N, H) joint gives both the value and the
    responsibilities that form the gradient: no transposed sparse product and no second softmax
    pass, cheaper than the same model in PyTensor's sparse ops (benchmarks/bench_fit.py).
    """

    def __init__(self, structure: ChoiceStructure) -> None:
        self.structure = structure
        super().__init__()

    def make_node(self, beta, log_prior):
        beta = pt.as_tensor_variable(beta, dtype="float64")
        log_prior = pt.as_tensor_variable(log_prior, dtype="float64")
        return Apply(self, [beta, log_prior], [pt.dscalar(), pt.dscalar(), pt.dvector()])

    def perform(self, node, inputs, outputs):
        total, d_beta, d_log_prior = marginal_log_likelihood(self.structure, float(inputs[0]), inputs[1])
        outputs[0][0] = np.asarray(total)
        outputs[1][0] = np.asarray(d_beta)
        outputs[2][0] = d_log_prior

    def grad(self, inputs, output_grads):
        _, d_beta, d_log_prior = self(*inputs)
        if not all(isinstance(g.type, DisconnectedType) for g in output_grads[1:]):
            raise NotImplementedError("second derivatives are not implemented")
        return [output_grads[0] * d_beta, output_grads[0] * d_log_prior]

    def connection_pattern(self, node):
        return [[True, False, False], [True, False, False]]


def marginal_log_likelihood(
    structure: ChoiceStructure, beta: float, log_prior: np.ndarray
) -> tuple[float, float, np.ndarray]:
    """The users' marginal log-likelihood and its gradients in beta and in the log prior (H,)."""
    shape = (structure.n_users, len(structure.hypotheses))
    per_tuple, d_per_tuple = tuple_log_probs(structure.diffs, beta)
    joint = (structure.counts @ per_tuple).reshape(shape) + log_prior[None, :]
    top = joint.max(axis=1, keepdims=True)
    weights = np.exp(joint - top)
    norm = weights.sum(axis=1, keepdims=True)
    total = float((np.log(norm) + top).sum())
    weights /= norm  # each user's posterior over the grid
    d_loglik = (structure.counts @ d_per_tuple).reshape(shape)
    return total, float((weights * d_loglik).sum()), weights.sum(axis=0)


def build_model(
    options: np.ndarray,
    picks: np.ndarray,
    hypotheses: np.ndarray,
    features: tuple[str, ...] | list[str],
    priors: PopulationPriors | None = None,
    users: np.ndarray | None = None,
    population: tuple[np.ndarray, np.ndarray] | None = None,
) -> pm.Model:
    """The population model for choices options (N, R, O, F), picks (N, R).

    `population=(mean, scale)` fixes the population and leaves only beta to infer (the
    cross-check against exact one-dimensional quadrature uses it).
    """
    priors = priors or PopulationPriors()
    options = np.asarray(options, dtype=np.float64)
    picks = np.asarray(picks, dtype=np.int64)
    n, r, o, f = options.shape
    hypotheses = np.asarray(hypotheses, dtype=np.float64)
    structure = choice_structure(options, picks, hypotheses)
    coords = {
        "feature": list(features),
        "level": LEVEL_NAMES,
        "user": list(range(n)) if users is None else [int(u) for u in users],
        "round": list(range(r)),
        "option": list(range(o)),
    }
    with pm.Model(coords=coords) as model:
        pm.Data("options", options, dims=("user", "round", "option", "feature"))
        pm.Data("picks", picks, dims=("user", "round"))
        if population is None:
            mean = pm.Normal("mean", 0.0, priors.mean_sd, dims="feature")
            # A scale below ~0.15 puts all mass on one level (levels are 0.5 apart), so choices
            # cannot tell 0.1 from 0.01; a prior that vanishes at zero keeps NUTS out of that
            # flat region (with HalfNormal(1), small fits diverged there).
            scale = pm.Gamma("scale", alpha=priors.scale_alpha, beta=priors.scale_beta, dims="feature")
        else:
            mean = pt.as_tensor_variable(np.asarray(population[0], dtype=np.float64))
            scale = pt.as_tensor_variable(np.asarray(population[1], dtype=np.float64))
        log_beta = pm.Normal("log_beta", np.log(priors.beta_median), priors.beta_log_sd)
        beta = pm.Deterministic("beta", pt.exp(log_beta))
        level_logp = _level_log_probs(mean, scale)
        if population is None:
            pm.Deterministic("level_probs", pt.exp(level_logp), dims=("feature", "level"))
        log_prior = _hypothesis_log_prior(level_logp, hypotheses)
        pm.Potential("choices", MarginalChoiceLogLikelihood(structure)(beta, log_prior)[0])
    return model


def sample(
    model: pm.Model,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    cores: int = 1,
    seed: int = 0,
    target_accept: float = 0.9,
    sampler: str = "pymc",
    progressbar: bool = True,
    init: str = "jitter+adapt_full",
) -> az.InferenceData:
    """NUTS (PyMC's own by default; nutpie/numpyro when installed).

    A dense mass matrix by default: each feature's mean and log scale are correlated at about
    -0.9 and both with log beta at about 0.5 (larger weights and less noise predict the same
    picks), which a diagonal one leaves to the leapfrog steps.
    """
    kwargs = {"init": init} if sampler == "pymc" else {}
    with model:
        return pm.sample(
            draws=draws, tune=tune, chains=chains, cores=cores, random_seed=seed,
            target_accept=target_accept, nuts_sampler=sampler, progressbar=progressbar,
            compute_convergence_checks=False, **kwargs,
        )


# -- diagnostics -------------------------------------------------------------------------------
@dataclass
class Diagnostics:
    summary: object  # pandas.DataFrame from az.summary
    divergences: int
    failures: list[str]  # one entry per failed check, naming the parameters

    @property
    def ok(self) -> bool:
        return not self.failures

    def message(self) -> str:
        return "diagnostics OK" if self.ok else "diagnostics FAILED: " + "; ".join(self.failures)


def diagnose(
    idata: az.InferenceData,
    var_names: tuple[str, ...] = POPULATION_VARS,
    r_hat_max: float = 1.01,
    ess_min: float = 200.0,
    hdi_prob: float = 0.94,
) -> Diagnostics:
    """r-hat, bulk/tail effective sample sizes and divergences, checked against thresholds."""
    names = [v for v in var_names if v in idata.posterior]
    # Unrounded: az.summary rounds to 2 decimals by default, which would pass an r-hat of 1.014.
    summary = az.summary(idata, var_names=names, hdi_prob=hdi_prob, round_to="none")
    stats = getattr(idata, "sample_stats", None)
    divergences = int(stats["diverging"].sum()) if stats is not None and "diverging" in stats else 0
    failures = []
    bad = summary.index[summary["r_hat"] > r_hat_max].tolist()
    if bad:
        failures.append(f"r_hat > {r_hat_max:g} for {', '.join(bad)}")
    low = summary.index[(summary["ess_bulk"] < ess_min) | (summary["ess_tail"] < ess_min)].tolist()
    if low:
        failures.append(f"ess_bulk or ess_tail < {ess_min:g} for {', '.join(low)}")
    if divergences:
        failures.append(f"{divergences} divergent transitions")
    return Diagnostics(summary, divergences, failures)


# -- after sampling ----------------------------------------------------------------------------
def posterior_draws(idata: az.InferenceData, name: str) -> np.ndarray:
    """A posterior variable with chains and draws flattened into the first axis."""
    values = idata.posterior[name].values
    return values.reshape(-1, *values.shape[2:])


def user_posteriors(
    idata: az.InferenceData,
    options: np.ndarray,
    picks: np.ndarray,
    hypotheses: np.ndarray,
    max_draws: int = 200,
) -> np.ndarray:
    """Each user's posterior over the grid (N, H), averaged over (thinned) posterior draws."""
    structure = choice_structure(options, picks, hypotheses)
    betas = posterior_draws(idata, "beta")
    step = max(1, len(betas) // max_draws)
    index = np.arange(0, len(betas), step)
    means = posterior_draws(idata, "mean")[index]
    scales = posterior_draws(idata, "scale")[index]
    out = np.zeros((structure.n_users, len(hypotheses)))
    for beta, mean, scale in zip(betas[index], means, scales, strict=True):
        per_tuple, _ = tuple_log_probs(structure.diffs, beta)
        loglik = (structure.counts @ per_tuple).reshape(structure.n_users, -1)
        joint = loglik + population_log_prior(mean, scale, hypotheses)[None, :]
        joint -= joint.max(axis=1, keepdims=True)
        p = np.exp(joint)
        out += p / p.sum(axis=1, keepdims=True)
    return out / len(index)


# -- the same model with the user weights as explicit discrete variables -----------------------
def build_latent_model(
    options: np.ndarray,
    picks: np.ndarray,
    hypotheses: np.ndarray,
    prior: np.ndarray,
    beta: float,
) -> pm.Model:
    """Users' grid weights as Categorical variables (no summing out), population and beta fixed.

    Exact enumeration (BayesianAssistant with this prior and a softmax likelihood of temperature
    1/beta) computes the same posterior; PyMC samples it with its Gibbs step for categorical
    variables. The cross-check compares the two.
    """
    options = np.asarray(options, dtype=np.float64)
    n, r, o, _ = options.shape
    coords = {"user": list(range(n)), "round": list(range(r)), "option": list(range(o)),
              "hypothesis": list(range(len(hypotheses)))}
    with pm.Model(coords=coords) as model:
        h = pm.Categorical("h", p=np.asarray(prior, dtype=np.float64), dims="user")
        weights = pt.as_tensor_variable(np.asarray(hypotheses, dtype=np.float64))[h]  # (N, F)
        utility = beta * pt.einsum("nrof,nf->nro", pt.as_tensor_variable(options), weights)
        pm.Categorical("picks", logit_p=utility, observed=np.asarray(picks), dims=("user", "round"))
    return model
