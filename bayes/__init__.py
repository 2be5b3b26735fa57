"""The exact Bayesian model of a user: feature spaces, hypotheses, posterior, predictions."""

from bayes.choice import Likelihood
from bayes.domains import DOMAINS, FeatureSpace, get_domain
from bayes.hypotheses import user_weights, weight_grid
from bayes.posterior import BayesianAssistant, Belief

__all__ = [
    "DOMAINS", "BayesianAssistant", "Belief", "FeatureSpace", "Likelihood", "get_domain",
    "user_weights", "weight_grid",
]
