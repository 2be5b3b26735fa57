"""The vectorized posterior against an independent brute force: plain Python over hypotheses."""

import itertools
import math

import numpy as np
import pytest

from bayes.choice import Likelihood, user_picks
from bayes.domains import get_domain
from bayes.hypotheses import weight_grid
from bayes.options import rng_for, sample_interaction_rounds, sample_option_sets
from bayes.posterior import BayesianAssistant

LEVELS = (-1.0, -0.5, 0.0, 0.5, 1.0)


def brute_hypotheses(f):
    return [h for h in itertools.product(LEVELS, repeat=f) if any(h)]


def reward(h, o):
    return round(sum(w * x for w, x in zip(h, o)), 9)


def brute_pick_prob(h, options, pick, kind, eps=0.1, temp=0.1):
    r = [reward(h, o) for o in options]
    best = r.index(max(r))
    if kind == "indicator":
        return 1.0 if best == pick else 0.0
    if kind == "epsilon":
        return (1 - eps) * (best == pick) + eps / len(options)
    z = [math.exp(x / temp) for x in r]
    return z[pick] / sum(z)


def brute_posterior(hyps, rounds, picks, kind, **kw):
    post = [1.0] * len(hyps)
    for options, pick in zip(rounds, picks):
        new = [p * brute_pick_prob(h, options, pick, kind, **kw) for p, h in zip(post, hyps)]
        if sum(new) > 0:
            post = new
    total = sum(post)
    return [p / total for p in post]


@pytest.fixture(scope="module")
def game():
    space = get_domain("flight")
    rng = np.random.default_rng(5)
    weights = weight_grid(4)[rng.choice(624, 12, replace=False)]
    options = sample_interaction_rounds(space, weights, 4, rng_for(5, 2))
    return space, weights, options, user_picks(options, weights)


@pytest.mark.parametrize("kind", ["indicator", "epsilon", "softmax"])
def test_posterior_matches_brute_force(game, kind):
    space, _, options, picks = game
    assistant = BayesianAssistant(space, likelihood=Likelihood(kind, epsilon=0.1, temperature=0.1))
    beliefs = assistant.beliefs(options, picks)
    hyps = brute_hypotheses(4)
    for c in range(len(picks)):
        for k in (0, 2, 4):
            expected = brute_posterior(hyps, options[c, :k].tolist(), picks[c, :k].tolist(), kind)
            np.testing.assert_allclose(beliefs[k].probs[c], expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("rule", ["mean", "vote"])
def test_predictions_match_brute_force(game, rule):
    space, _, options, picks = game
    assistant = BayesianAssistant(space, rule=rule)
    queries = sample_option_sets(space, 15, np.random.default_rng(9))
    hyps = brute_hypotheses(4)
    beliefs = assistant.beliefs(options, picks)
    for k in (0, 1, 3):
        predicted = assistant.predict(beliefs[k], queries, shared=True)
        for c in range(len(picks)):
            post = brute_posterior(hyps, options[c, :k].tolist(), picks[c, :k].tolist(), "indicator")
            for s, q in enumerate(queries.tolist()):
                if rule == "mean":
                    mean = [sum(p * h[f] for p, h in zip(post, hyps)) for f in range(4)]
                    score = [reward(mean, o) for o in q]
                else:
                    score = [0.0] * 3
                    for p, h in zip(post, hyps):
                        r = [reward(h, o) for o in q]
                        score[r.index(max(r))] += p
                    score = [round(x, 9) for x in score]
                assert predicted[c, s] == score.index(max(score)), (k, c, s)


def test_first_prediction_under_uniform_prior_is_option_one():
    space = get_domain("flight")
    assistant = BayesianAssistant(space)
    queries = sample_option_sets(space, 50, np.random.default_rng(0))
    np.testing.assert_allclose(assistant.mean_weights(assistant.initial(1)), 0.0, atol=1e-12)
    assert (assistant.predict(assistant.initial(1), queries, shared=True) == 0).all()


def test_predictive_and_marginals_are_proper(game):
    space, _, options, picks = game
    assistant = BayesianAssistant(space, likelihood=Likelihood("softmax", temperature=0.2))
    belief = assistant.beliefs(options, picks)[3]
    p = assistant.predictive(belief, options[:, 3])
    np.testing.assert_allclose(p.sum(-1), 1.0)
    m = assistant.marginals(belief)
    assert m.shape == (len(picks), 4, 5)
    np.testing.assert_allclose(m.sum(-1), 1.0)
    # the marginal mean of each feature's weight is the posterior-mean weight
    np.testing.assert_allclose(m @ np.array(LEVELS), assistant.mean_weights(belief), atol=1e-12)


def test_true_user_keeps_posterior_mass(game):
    space, weights, options, picks = game
    belief = BayesianAssistant(space).beliefs(options, picks)[-1]
    true_index = [np.flatnonzero((weight_grid(4) == w).all(1))[0] for w in weights]
    assert (belief.probs[np.arange(len(weights)), true_index] > 0).all()
    assert not belief.inconsistent.any()


def test_inconsistent_history_is_flagged_not_nan():
    space = get_domain("flight_2")
    # the same option set twice, the user picking differently: no deterministic user does that
    opts = np.array([[[0.0, 0.0], [1.0, 1.0], [0.5, 0.2]]] * 2)[None]
    picks = np.array([[0, 1]])
    indicator = BayesianAssistant(space)
    beliefs = indicator.beliefs(opts, picks)
    assert not beliefs[1].inconsistent[0] and beliefs[2].inconsistent[0]
    np.testing.assert_array_equal(beliefs[2].probs, beliefs[1].probs)  # the impossible pick is skipped
    for kind in ("epsilon", "softmax"):
        noisy = BayesianAssistant(space, likelihood=Likelihood(kind, epsilon=0.2, temperature=0.3))
        b = noisy.beliefs(opts, picks)[2]
        assert not b.inconsistent[0]
        assert np.isfinite(b.probs).all() and (b.probs > 0).all()
        np.testing.assert_allclose(b.probs.sum(), 1.0)


def test_custom_prior_is_used():
    space = get_domain("flight_2")
    prior = np.zeros(24)
    prior[[0, 23]] = [3.0, 1.0]  # [-1,-1] three times as likely as [1,1]
    assistant = BayesianAssistant(space, prior=prior)
    np.testing.assert_allclose(assistant.mean_weights(assistant.initial(1)), [[-0.5, -0.5]])
    with pytest.raises(ValueError, match="prior: expected 24 non-negative numbers"):
        BayesianAssistant(space, prior=np.ones(5))


def test_bad_arguments_are_clear_errors():
    space = get_domain("flight")
    with pytest.raises(ValueError, match="rule: expected 'mean' or 'vote'"):
        BayesianAssistant(space, rule="median")
    with pytest.raises(ValueError, match="likelihood: expected one of"):
        Likelihood("probit")
    with pytest.raises(ValueError, match="epsilon: expected a probability"):
        Likelihood("epsilon", epsilon=1.5)
    assistant = BayesianAssistant(space)
    with pytest.raises(ValueError, match="update: expected options"):
        assistant.update(assistant.initial(2), np.zeros((2, 3, 3)), np.zeros(2, dtype=int))
