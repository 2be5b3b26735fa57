"""The PyMC population model: its log-density against an independent numpy computation, the
per-user posteriors, the diagnostics checks, and (slow) parameter recovery at the size of the
released human file."""

import warnings

import numpy as np
import pytest
from scipy import stats

warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")

import arviz as az  # noqa: E402

from bayes import population  # noqa: E402
from bayes.choice import Likelihood, hypothesis_rewards  # noqa: E402
from bayes.domains import get_domain  # noqa: E402
from bayes.hypotheses import weight_grid  # noqa: E402
from bayes.noise import noisy_picks, population_log_prior, sample_population_users  # noqa: E402
from bayes.options import sample_interaction_rounds  # noqa: E402
from bayes.posterior import BayesianAssistant  # noqa: E402

TRUE_MEAN = np.array([-0.2, -0.6, -0.4, -0.8])
TRUE_SCALE = np.array([0.6, 0.5, 0.5, 0.4])
TRUE_BETA = 5.0


def simulate(space, mean, scale, beta, n_users, seed):
    rng = np.random.default_rng(seed)
    weights = sample_population_users(mean, scale, n_users, rng)
    options = sample_interaction_rounds(space, weights, 5, rng)
    picks = noisy_picks(options, weights, Likelihood("softmax", temperature=1 / beta), rng)
    return weights, options, picks


def numpy_user_loglik(options, picks, hypotheses, beta):
    """log P(picks of user n | θ = h) (N, H) from bayes.choice, without the model's shortcuts."""
    likelihood = Likelihood("softmax", temperature=1 / beta)
    out = np.zeros((len(options), len(hypotheses)))
    for r in range(options.shape[1]):
        p = likelihood.choice_probs(hypothesis_rewards(options[:, r], hypotheses), axis=-2)
        out += np.log(np.take_along_axis(p, picks[:, r][:, None, None], axis=1)[:, 0])
    return out


def test_model_log_density_matches_an_independent_numpy_computation():
    space = get_domain("flight")
    grid = weight_grid(4)
    _, options, picks = simulate(space, TRUE_MEAN, TRUE_SCALE, TRUE_BETA, 40, seed=1)
    model = population.build_model(options, picks, grid, space.features)
    mean, scale, beta = np.array([0.3, -0.2, -0.9, 0.1]), np.array([0.7, 1.3, 0.4, 0.9]), 3.0
    point = {"mean": mean, "scale_log__": np.log(scale), "log_beta": np.log(beta)}
    logp = model.compile_logp()(point)
    marginal = np.logaddexp.reduce(
        numpy_user_loglik(options, picks, grid, beta) + population_log_prior(mean, scale, grid), axis=1
    ).sum()
    # Priors in the sampler's coordinates (log scale: Jacobian scale).
    prior = stats.norm(0, 0.5).logpdf(mean).sum() \
        + (stats.gamma(a=2, scale=1 / 2).logpdf(scale) + np.log(scale)).sum() \
        + stats.norm(np.log(10), 1.5).logpdf(np.log(beta))
    assert logp == pytest.approx(marginal + prior, rel=1e-9)


def test_choice_structure_reproduces_the_dense_log_likelihood():
    space = get_domain("flight_2")
    grid = weight_grid(2)
    _, options, picks = simulate(space, np.zeros(2), np.ones(2), 4.0, 30, seed=2)
    s = population.choice_structure(options, picks, grid)
    assert np.array_equal(np.asarray(s.counts.sum(axis=1)).ravel(), np.full(30 * 24, 5.0))
    assert len(s.diffs) < 30 * 5 * 24  # shared tuples are evaluated once
    beta = 2.5
    per_tuple = -np.logaddexp.reduce(np.concatenate([np.zeros((len(s.diffs), 1)), beta * s.diffs], 1), 1)
    assert np.allclose((s.counts @ per_tuple).reshape(30, 24), numpy_user_loglik(options, picks, grid, beta))


def _idata(**draws):
    """InferenceData from arrays shaped (chain, draw, ...)."""
    return az.from_dict(posterior={k: np.asarray(v, dtype=float) for k, v in draws.items()})


def test_user_posteriors_equal_the_exact_posterior_at_a_point_posterior():
    space = get_domain("flight")
    grid = weight_grid(4)
    _, options, picks = simulate(space, TRUE_MEAN, TRUE_SCALE, TRUE_BETA, 25, seed=3)
    idata = _idata(mean=TRUE_MEAN[None, None], scale=TRUE_SCALE[None, None], beta=[[TRUE_BETA]])
    ours = population.user_posteriors(idata, options, picks, grid)
    prior = np.exp(population_log_prior(TRUE_MEAN, TRUE_SCALE, grid))
    exact = BayesianAssistant(space, likelihood=Likelihood("softmax", temperature=1 / TRUE_BETA),
                              prior=prior).beliefs(options, picks)[-1].probs
    assert np.allclose(ours, exact, atol=1e-10)


def test_diagnose_names_the_parameters_that_fail():
    rng = np.random.default_rng(0)
    good = rng.normal(size=(2, 500))
    stuck = np.stack([rng.normal(0, 1, 500), rng.normal(3, 1, 500)])  # chains disagree
    idata = _idata(mean=np.stack([good, stuck], axis=-1), scale=np.abs(good)[..., None], beta=good + 5)
    idata.add_groups(sample_stats={"diverging": np.zeros((2, 500), dtype=bool)})
    diag = population.diagnose(idata, ess_min=100)
    assert not diag.ok and diag.divergences == 0
    assert diag.failures[0] == "r_hat > 1.01 for mean[1]"
    assert all("mean[0]" not in f and "beta" not in f for f in diag.failures)
    diverging = np.zeros((2, 500), dtype=bool)
    diverging[0, :3] = True
    idata.sample_stats["diverging"].values[:] = diverging
    assert "3 divergent transitions" in population.diagnose(idata, ess_min=100).message()
    clean = _idata(mean=good[..., None], scale=np.abs(good)[..., None], beta=good + 5)
    assert population.diagnose(clean, ess_min=100).ok


@pytest.mark.slow
@pytest.mark.expensive  # 4 chains of NUTS, one after another: ~50 min on a busy core; `make test-expensive`
def test_parameter_recovery_at_the_size_of_the_human_file():
    """500 users x 5 rounds from a known population with softmax noise (76% of picks are the
    user's best): every true parameter inside its 94% HDI, r-hat < 1.01, no divergences."""
    space = get_domain("flight")
    grid = weight_grid(4)
    _, options, picks = simulate(space, TRUE_MEAN, TRUE_SCALE, TRUE_BETA, 500, seed=0)
    model = population.build_model(options, picks, grid, space.features)
    idata = population.sample(model, draws=1000, tune=1000, chains=4, cores=1, seed=1,
                              target_accept=0.99, progressbar=False)
    diag = population.diagnose(idata)
    truth = {**{f"mean[{f}]": m for f, m in zip(space.features, TRUE_MEAN, strict=True)},
             **{f"scale[{f}]": s for f, s in zip(space.features, TRUE_SCALE, strict=True)},
             "beta": TRUE_BETA}
    print(diag.summary.loc[list(truth)].to_string(), f"\ndivergences {diag.divergences}")  # pytest -rA
    assert diag.divergences == 0
    assert (diag.summary["r_hat"] < 1.01).all(), diag.summary.to_string()
    for name, value in truth.items():
        low, high = diag.summary.loc[name, ["hdi_3%", "hdi_97%"]]
        assert low <= value <= high, (name, value, low, high)
