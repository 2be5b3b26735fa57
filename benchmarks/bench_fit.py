"""Cost of one log-density + gradient evaluation of the population model (one NUTS leapfrog step),
500 users x 5 rounds x 624 hypotheses: the model's NumPy Op against the same marginal likelihood
written in PyTensor, with distinct tuples and a sparse dot, and as a plain dense softmax over
(users, rounds, options, hypotheses). Reports medians and their ratio (the
machine is shared; only the ratio is meaningful across runs).

    OMP_NUM_THREADS=1 python benchmarks/bench_fit.py [--users 500] [--repeats 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")

import pytensor  # noqa: E402
import pytensor.sparse as ps  # noqa: E402
import pytensor.tensor as pt  # noqa: E402

from bayes import population  # noqa: E402
from bayes.choice import Likelihood  # noqa: E402
from bayes.domains import get_domain  # noqa: E402
from bayes.hypotheses import weight_grid  # noqa: E402
from bayes.noise import noisy_picks, sample_population_users  # noqa: E402
from bayes.options import sample_interaction_rounds  # noqa: E402


def dense_total(options, picks, hypotheses, beta, log_prior):
    """The marginal log-likelihood from the full (N, R, O, H) utility tensor, in PyTensor."""
    utility = np.einsum("nrof,hf->nroh", options, hypotheses)
    logp = pt.special.log_softmax(beta * pt.as_tensor_variable(utility), axis=2)
    onehot = (np.arange(options.shape[2])[None, None, :, None] == picks[:, :, None, None]).astype(float)
    loglik = (logp * onehot).sum(axis=(1, 2))
    return pt.logsumexp(loglik + log_prior[None, :], axis=1).sum()


def sparse_total(structure, beta, log_prior):
    """The same with distinct tuples and PyTensor's sparse dot (and its gradient)."""
    diffs = pt.as_tensor_variable(structure.diffs)
    logits = pt.concatenate([pt.zeros((diffs.shape[0], 1)), beta * diffs], axis=1)
    per_tuple = -pt.logsumexp(logits, axis=1)
    loglik = ps.structured_dot(ps.as_sparse_variable(structure.counts), per_tuple[:, None])
    loglik = loglik.reshape((structure.n_users, len(structure.hypotheses)))
    return pt.logsumexp(loglik + log_prior[None, :], axis=1).sum()


def timed(fn, args, repeats):
    fn(*args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    space = get_domain("flight")
    grid = weight_grid(4)
    rng = np.random.default_rng(0)
    weights = sample_population_users(np.zeros(4), np.ones(4), args.users, rng)
    options = sample_interaction_rounds(space, weights, 5, rng)
    picks = noisy_picks(options, weights, Likelihood("softmax", temperature=0.2), rng)

    model = population.build_model(options, picks, grid, space.features)
    point = model.initial_point()
    inputs = model.value_vars
    fast = model.compile_fn([model.logp(), *pytensor.grad(model.logp(), inputs)], inputs=inputs,
                            point_fn=False)
    values = [point[v.name] for v in inputs]

    beta = pt.dscalar("beta")
    log_prior = pt.dvector("log_prior")
    structure = population.choice_structure(options, picks, grid)
    variants = {
        "NumPy Op (the model)": population.MarginalChoiceLogLikelihood(structure)(beta, log_prior)[0],
        "PyTensor sparse dot": sparse_total(structure, beta, log_prior),
        "PyTensor dense softmax": dense_total(options, picks, grid, beta, log_prior),
    }
    times = {}
    for name, total in variants.items():
        fn = pytensor.function([beta, log_prior], [total, *pytensor.grad(total, [beta, log_prior])])
        times[name] = timed(fn, (4.0, np.full(len(grid), -np.log(len(grid)))), args.repeats)
        print(f"{name:>26}: likelihood + gradient {times[name] * 1000:7.2f} ms "
              f"({times[name] / times['NumPy Op (the model)']:.1f}x the model's)")
    t_model = timed(fast, values, args.repeats)
    print(f"{'whole model logp + grad':>26}: {t_model * 1000:7.2f} ms per leapfrog step "
          f"({args.users} users x 5 rounds x {len(grid)} hypotheses)")


if __name__ == "__main__":
    main()
