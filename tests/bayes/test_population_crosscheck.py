"""Must-show 2: the exact grid posterior and PyMC posteriors of the same model agree within
Monte-Carlo error, on the 2-feature grid (24 hypotheses).

1. Users' weights as explicit Categorical variables (population and noise fixed), sampled by
   PyMC's Gibbs step, against BayesianAssistant's enumeration with the same prior and a softmax
   likelihood of temperature 1/beta.
2. The fitting model itself (weights summed out) with the population fixed, so that only the
   inverse temperature is unknown: NUTS against quadrature of its one-dimensional posterior.
"""

import warnings

import numpy as np
import pytest

warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")

import pymc as pm  # noqa: E402
from scipy import stats  # noqa: E402

from bayes import population  # noqa: E402
from bayes.choice import Likelihood, hypothesis_rewards  # noqa: E402
from bayes.domains import get_domain  # noqa: E402
from bayes.hypotheses import weight_grid  # noqa: E402
from bayes.noise import noisy_picks, population_log_prior, sample_population_users  # noqa: E402
from bayes.options import sample_interaction_rounds  # noqa: E402
from bayes.posterior import BayesianAssistant  # noqa: E402

SPACE = get_domain("flight_2")
GRID = weight_grid(2)
MEAN, SCALE, BETA = np.array([-0.5, 0.3]), np.array([0.6, 0.8]), 4.0


def _data(n_users, seed):
    rng = np.random.default_rng(seed)
    weights = sample_population_users(MEAN, SCALE, n_users, rng)
    options = sample_interaction_rounds(SPACE, weights, 5, rng)
    return options, noisy_picks(options, weights, Likelihood("softmax", temperature=1 / BETA), rng)


def test_gibbs_over_grid_weights_matches_exact_enumeration():
    options, picks = _data(4, seed=0)
    prior = np.exp(population_log_prior(MEAN, SCALE, GRID))
    exact = BayesianAssistant(SPACE, likelihood=Likelihood("softmax", temperature=1 / BETA),
                              prior=prior).beliefs(options, picks)[-1].probs  # (N, H)
    model = population.build_latent_model(options, picks, GRID, prior, BETA)
    with model:
        step = pm.CategoricalGibbsMetropolis([model["h"]], proposal="proportional")
        idata = pm.sample(draws=1000, tune=50, chains=2, cores=1, step=step, random_seed=1,
                          progressbar=False, compute_convergence_checks=False)
    h = idata.posterior["h"].values.reshape(-1, len(options))  # (S, N)
    sampled = np.stack([np.bincount(h[:, n], minlength=len(GRID)) for n in range(len(options))]) / len(h)
    # Users are independent given the fixed population, so Gibbs draws with exact conditionals
    # are close to independent; allow 4.5 binomial standard errors (plus a floor for p ~ 0).
    se = np.sqrt(exact * (1 - exact) / len(h)) + 1e-3
    assert np.all(np.abs(sampled - exact) < 4.5 * se), np.abs(sampled - exact).max()
    exact_mean = exact @ GRID
    sampled_mean = GRID[h].mean(axis=0)
    assert np.allclose(sampled_mean, exact_mean, atol=0.05)


def test_nuts_inverse_temperature_matches_quadrature():
    options, picks = _data(40, seed=1)
    priors = population.PopulationPriors()
    model = population.build_model(options, picks, GRID, SPACE.features, priors,
                                   population=(MEAN, SCALE))
    idata = population.sample(model, draws=600, tune=300, chains=2, seed=2, progressbar=False)
    beta_draws = population.posterior_draws(idata, "beta")

    # Quadrature on log beta with the likelihood from bayes.choice (no shared code with the model).
    log_beta = np.linspace(np.log(0.3), np.log(60.0), 1500)
    log_prior_h = population_log_prior(MEAN, SCALE, GRID)
    log_post = stats.norm(np.log(priors.beta_median), priors.beta_log_sd).logpdf(log_beta)
    for i, lb in enumerate(log_beta):
        lik = Likelihood("softmax", temperature=float(np.exp(-lb)))
        loglik = np.zeros((len(options), len(GRID)))
        for r in range(options.shape[1]):
            p = lik.choice_probs(hypothesis_rewards(options[:, r], GRID), axis=-2)
            loglik += np.log(np.take_along_axis(p, picks[:, r][:, None, None], axis=1)[:, 0])
        log_post[i] += np.logaddexp.reduce(loglik + log_prior_h, axis=1).sum()
    w = np.exp(log_post - log_post.max())
    w /= w.sum()
    beta = np.exp(log_beta)
    mean = (w * beta).sum()
    sd = np.sqrt((w * (beta - mean) ** 2).sum())
    ess = float(pm.ess(idata, var_names=["beta"])["beta"])
    assert abs(beta_draws.mean() - mean) < 4 * sd / np.sqrt(ess)
    assert beta_draws.std() == pytest.approx(sd, rel=0.15)
