"""`python -m bayes simulate` against an independent brute-force play of the same game."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bayes.domains import get_domain
from bayes.hypotheses import user_weights
from bayes.options import (
    STREAM_INTERACTION,
    rng_for,
    sample_heldout_sets,
    sample_interaction_rounds,
)
from bayes.simulate import SimulateConfig, run

from .test_posterior import brute_hypotheses, brute_posterior, reward

ROOT = Path(__file__).resolve().parents[2]


def brute_accuracy(domain, users, heldout_sets, seed, rule):
    """Same draws as the simulator (same samplers, same streams); the inference is brute force."""
    space = get_domain(domain)
    weights = user_weights(space, users, seed=seed)
    heldout = sample_heldout_sets(space, heldout_sets, seed).tolist()
    options = sample_interaction_rounds(space, weights, 5, rng_for(seed, STREAM_INTERACTION)).tolist()
    hyps = brute_hypotheses(space.num_features)
    acc = np.zeros((len(weights), 6))
    for u, w in enumerate(weights.tolist()):
        picks = []
        for rnd in options[u]:
            r = [reward(w, o) for o in rnd]
            picks.append(r.index(max(r)))
        truth = []
        for q in heldout:
            r = [reward(w, o) for o in q]
            truth.append(r.index(max(r)))
        for k in range(6):
            post = brute_posterior(hyps, options[u][:k], picks[:k], "indicator")
            mean = [sum(p * h[f] for p, h in zip(post, hyps)) for f in range(space.num_features)]
            hits = 0
            for q, t in zip(heldout, truth):
                if rule == "mean":
                    score = [reward(mean, o) for o in q]
                else:
                    score = [0.0] * len(q)
                    for p, h in zip(post, hyps):
                        r = [reward(h, o) for o in q]
                        score[r.index(max(r))] += p
                    score = [round(x, 9) for x in score]
                hits += score.index(max(score)) == t
            acc[u, k] = hits / len(heldout)
    return acc.mean(axis=0)


@pytest.mark.parametrize("domain, users, rule", [("flight", 24, "mean"), ("hotel", 12, "vote"),
                                                 ("flight_2", "all", "mean")])
def test_simulate_matches_brute_force(domain, users, rule):
    result = run(SimulateConfig(domain=domain, users=str(users), heldout_sets=15, seed=3, rule=rule,
                                progress=False))
    expected = brute_accuracy(domain, users, 15, 3, rule)
    np.testing.assert_allclose(result["accuracy"], expected, atol=1e-6)
    assert result["rounds"] == [0, 1, 2, 3, 4, 5]


def test_accuracy_rises_with_rounds_on_a_sample_of_users():
    result = run(SimulateConfig(domain="flight", users="150", heldout_sets=40, seed=1, progress=False))
    acc = result["accuracy"]
    assert acc[0] < acc[1] < acc[3] < acc[5]
    assert all(s > 0 for s in result["stderr"])
    assert result["inconsistent_fraction"] == [0.0] * 6


def cli(*args):
    return subprocess.run([sys.executable, "-m", "bayes", "simulate", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_json_has_rounds_and_accuracy():
    out = cli("--domain", "flight", "--users", "20", "--heldout-sets", "10", "--seed", "0", "--json",
              "--progress", "false")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["rounds"] == [0, 1, 2, 3, 4, 5]
    assert len(result["accuracy"]) == 6 and all(0 <= a <= 1 for a in result["accuracy"])
    np.testing.assert_allclose(
        result["accuracy"],
        run(SimulateConfig(users="20", heldout_sets=10, seed=0, progress=False))["accuracy"],
    )


def test_cli_table_and_config_file(tmp_path):
    config = tmp_path / "sim.yaml"
    config.write_text("domain: hotel\nusers: 10\nheldout_sets: 5\nprogress: false\n")
    out = cli("--config", str(config), "--seed", "2")
    assert out.returncode == 0, out.stderr
    assert "Bayesian Assistant on hotel (10 users" in out.stdout
    assert out.stdout.count("\n| ") == 7  # header + 6 rows


@pytest.mark.parametrize("args, message", [
    (["--domain", "boat"], "unknown domain 'boat'"),
    (["--domain", "flight_12"], "flight variants with 2 to 8 features"),
    (["--rule", "median"], "flag --rule: expected one of ['mean', 'vote']"),
    (["--heldout_sets", "many"], "flag --heldout_sets: expected an integer, got 'many'"),
    (["--users", "-3"], "key 'users': expected 'all' or a positive integer"),
])
def test_cli_bad_input_is_one_line_error(args, message):
    out = cli(*args, "--progress", "false")
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_unknown_config_key_names_file_and_key(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("domain: flight\nheldout: 5\n")
    out = cli("--config", str(config))
    assert out.returncode == 2
    assert f"{config}: unknown key(s) heldout" in out.stderr
