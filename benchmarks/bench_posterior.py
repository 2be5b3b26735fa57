"""The vectorized posterior against per-conversation loops, on the paper's teacher workload:
624 users x 10 conversations x 5 rounds (6,240 conversations), the Bayesian Assistant's
posterior-mean prediction before every round and the update after it. All variants run in this
one process on the same inputs and must give the same predictions; the ratios are the result.

- plain Python loop: one conversation and one hypothesis at a time, no numpy. It is run on a
  sample of PLAIN_SAMPLE conversations and its time scaled to the whole workload (running all
  6,240 would take minutes).
- numpy loop: one conversation at a time, numpy over the 624 hypotheses.
"""

from __future__ import annotations

import time

import numpy as np

from bayes.choice import user_picks
from bayes.domains import get_domain
from bayes.hypotheses import weight_grid
from bayes.options import STREAM_INTERACTION, rng_for, sample_interaction_rounds
from bayes.posterior import BayesianAssistant

USERS_CONVERSATIONS = 10
ROUNDS = 5


def workload(seed: int = 0):
    space = get_domain("flight")
    weights = np.repeat(weight_grid(4), USERS_CONVERSATIONS, axis=0)
    options = sample_interaction_rounds(space, weights, ROUNDS, rng_for(seed, STREAM_INTERACTION))
    return space, options, user_picks(options, weights)


def vectorized(space, options, picks) -> np.ndarray:
    assistant = BayesianAssistant(space)
    belief = assistant.initial(len(picks))
    predictions = np.empty(picks.shape, dtype=np.int64)
    for r in range(ROUNDS):
        predictions[:, r] = assistant.predict(belief, options[:, r])
        belief = assistant.update(belief, options[:, r], picks[:, r])
    return predictions


def loop(space, options, picks) -> np.ndarray:
    """One conversation at a time: the straightforward implementation (numpy over hypotheses)."""
    hypotheses = weight_grid(space.num_features)
    predictions = np.empty(picks.shape, dtype=np.int64)
    for c in range(len(picks)):
        posterior = np.full(len(hypotheses), 1.0 / len(hypotheses))
        for r in range(ROUNDS):
            mean = posterior @ hypotheses
            predictions[c, r] = np.argmax(np.round(options[c, r] @ mean, 9))
            choice = np.argmax(np.round(options[c, r] @ hypotheses.T, 9), axis=0)
            posterior = posterior * (choice == picks[c, r])
            posterior /= posterior.sum()
    return predictions


def plain_loop(space, options, picks) -> np.ndarray:
    """One conversation, round and hypothesis at a time in plain Python."""
    hypotheses = [tuple(h) for h in weight_grid(space.num_features).tolist()]
    option_lists = options.tolist()
    predictions = np.empty(picks.shape, dtype=np.int64)
    for c, pick_row in enumerate(picks.tolist()):
        posterior = [1.0 / len(hypotheses)] * len(hypotheses)
        for r, pick in enumerate(pick_row):
            opts = option_lists[c][r]
            mean = [sum(p * h[f] for p, h in zip(posterior, hypotheses)) for f in range(len(opts[0]))]
            scores = [round(sum(w * x for w, x in zip(mean, o)), 9) for o in opts]
            predictions[c, r] = scores.index(max(scores))
            for i, h in enumerate(hypotheses):
                rewards = [round(sum(w * x for w, x in zip(h, o)), 9) for o in opts]
                if rewards.index(max(rewards)) != pick:
                    posterior[i] = 0.0
            total = sum(posterior)
            posterior = [p / total for p in posterior]
    return predictions


PLAIN_SAMPLE = 312


def main() -> dict:
    space, options, picks = workload()
    t0 = time.perf_counter()
    fast = vectorized(space, options, picks)
    t_vec = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = loop(space, options, picks)
    t_loop = time.perf_counter() - t0
    sample = np.linspace(0, len(picks) - 1, PLAIN_SAMPLE).astype(int)
    t0 = time.perf_counter()
    plain = plain_loop(space, options[sample], picks[sample])
    t_plain = (time.perf_counter() - t0) * len(picks) / PLAIN_SAMPLE
    if not (np.array_equal(fast, slow) and np.array_equal(fast[sample], plain)):
        raise AssertionError("vectorized and loop predictions differ")
    result = {
        "workload": f"{len(picks)} conversations x {ROUNDS} rounds x {len(weight_grid(4))} hypotheses",
        "vectorized_s": round(t_vec, 3),
        "numpy_loop_s": round(t_loop, 3),
        "plain_loop_s_scaled": round(t_plain, 1),
        "speedup_vs_plain_loop": round(t_plain / t_vec, 1),
        "speedup_vs_numpy_loop": round(t_loop / t_vec, 2),
    }
    print(
        f"posterior: vectorized {t_vec:.2f} s; plain Python loop {t_plain:.1f} s (scaled from "
        f"{PLAIN_SAMPLE} conversations) = {t_plain / t_vec:.0f}x; numpy-per-conversation loop "
        f"{t_loop:.2f} s = {t_loop / t_vec:.1f}x ({result['workload']})"
    )
    return result


if __name__ == "__main__":
    main()
