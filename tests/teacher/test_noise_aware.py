"""Noise-aware Bayesian teaching: noisy simulated users and a fitted grid prior (issue 6).

The assistant turns are re-derived from each record's text with an independent float brute force
(prior x softmax likelihood over the 624 hypotheses, posterior-mean argmax), not from teacher/."""

from __future__ import annotations

import numpy as np
import pytest

from bayes.choice import Likelihood
from bayes.domains import get_domain
from bayes.hypotheses import weight_grid
from bayes.noise import population_prior
from bayes.noise_prior import write_grid_prior
from teacher.dataset import load_teacher_dataset
from teacher.generate import GenerateConfig, cli, main
from teacher.validate import ValidateConfig
from teacher.validate import main as validate

TEMPERATURE = 0.15


def tiny(tmp_path, name="out", **overrides):
    values = {"users": "20", "conversations_per_user": 3, "rounds": 5, "progress": False,
              "expand_prefixes": False, "output_dir": str(tmp_path / name), **overrides}
    return GenerateConfig(**values)


@pytest.fixture()
def grid_prior(tmp_path):
    """A non-uniform population prior (users prefer cheap, short flights) and softmax noise."""
    space = get_domain("flight")
    prior = population_prior(np.array([0.0, -0.5, 0.0, -0.8]), np.array([1.0, 0.6, 1.0, 0.5]),
                             weight_grid(4))
    path = tmp_path / "fit" / "grid_prior.json"
    path.parent.mkdir()
    write_grid_prior(path, space, prior, Likelihood("softmax", temperature=TEMPERATURE))
    return path, prior


def brute_force_softmax_predictions(options, preferred, prior, temperature, brute) -> list[int]:
    """Before each round: argmax of the options' reward under the posterior-mean weights, the
    posterior being prior x prod softmax(reward / T) of the earlier preferred options."""
    hyps = brute.hypotheses / 2.0  # integers -2..2 back to the weight grid
    log_post = np.log(prior)
    out = []
    for r, option_set in enumerate(options):
        opts = np.asarray(option_set) / 10.0  # tenths back to [0, 1]
        post = np.exp(log_post - log_post.max())
        mean = (post / post.sum()) @ hyps
        scores = np.round(opts @ mean, 9)
        out.append(int(np.argmax(scores == scores.max())))
        if r < len(preferred):
            rewards = opts @ hyps.T / temperature  # (O, H)
            log_post = log_post + rewards[preferred[r]] - np.logaddexp.reduce(rewards, axis=0)
    return out


def test_noisy_users_make_inconsistent_picks_from_their_own_stream(tmp_path):
    main(tiny(tmp_path, "clean", teaching="oracle"))
    main(tiny(tmp_path, "noisy", teaching="oracle", user_noise="softmax", user_temperature=0.3))
    a = load_teacher_dataset(str(tmp_path / "clean"))
    b = load_teacher_dataset(str(tmp_path / "noisy"))
    # Same option sets (the noise has its own random stream), different picks.
    assert a["options"] == b["options"]
    clean_picks, noisy_picks = np.array(a["user_picks"]), np.array(b["user_picks"])
    mismatch = (clean_picks != noisy_picks).mean()
    assert 0.1 < mismatch < 0.6, mismatch
    # Oracle teaching with noisy users still says the user's (noisy) pick: every feedback correct.
    assert all("incorrect" not in m["content"] for rec in b["messages"] for m in rec[2::2])
    assert np.array_equal(np.array(b["assistant_picks"]), noisy_picks)


def test_noise_aware_teacher_turns_match_an_independent_posterior(tmp_path, grid_prior, brute):
    path, prior = grid_prior
    manifest = main(tiny(tmp_path, grid_prior=str(path.parent), user_noise="softmax",
                         user_temperature=TEMPERATURE))
    assert manifest["inputs"]["grid_prior_sha256"]
    ds = load_teacher_dataset(str(tmp_path / "out"))
    main(tiny(tmp_path, "paper", user_noise="softmax", user_temperature=TEMPERATURE))
    paper = load_teacher_dataset(str(tmp_path / "paper"))
    differs = 0
    for rec, paper_rec in zip(ds, paper, strict=True):
        text = brute.read_flight_record(rec["messages"])
        preferred = [pref for _, pref, _ in text.feedback]
        expected = brute_force_softmax_predictions(text.options, preferred, prior, TEMPERATURE, brute)
        assert text.answers == expected
        differs += text.answers != paper_rec["assistant_picks"]
    assert differs > 0  # the fitted prior and noise model change what the teacher says
    result = validate(ValidateConfig(dataset_dir=str(tmp_path / "out"), progress=False))
    assert result["checked"] == len(ds)


def test_a_bad_grid_prior_is_a_one_line_error(tmp_path, capsys):
    missing = tmp_path / "nofit"
    code = cli(["--users", "3", "--output_dir", str(tmp_path / "out"), "--grid_prior", str(missing),
                "--progress", "false"])
    err = capsys.readouterr().err
    assert code == 2 and str(missing) in err and "grid_prior.json" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit) as exit_info:  # a bad key value stops in the parser
        cli(["--users", "3", "--output_dir", str(tmp_path / "out"), "--user_noise", "epsilon",
             "--user_epsilon", "1.5", "--progress", "false"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "key 'user_epsilon'" in err and "[0, 1]" in err
