"""What-it-must-show 3: assistant turns follow the teacher, re-derived from each record's own
text (regexes and a brute-force posterior in conftest.py, not teacher/ or bayes/)."""

from __future__ import annotations

import pytest

from teacher.generate import GenerateConfig, main


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = {}
    for teaching in ("bayesian", "oracle"):
        path = tmp_path_factory.mktemp("gen") / teaching
        main(GenerateConfig(teaching=teaching, users="60", conversations_per_user=2, rounds=5,
                            seed=3, output_dir=str(path), progress=False))
        out[teaching] = path
    return out


def load(path):
    import datasets

    return datasets.load_from_disk(str(path))


def test_bayesian_turns_are_the_posterior_mean_prediction_from_the_text(generated, brute):
    ds = load(generated["bayesian"])
    assert len(ds) == 60 * 2 * 5
    wrong_guesses = 0
    for rec in ds:
        text = brute.read_flight_record(rec["messages"])
        # the feedback tells the truth about the answer it follows, and names the user's pick
        for (said, _pref, _), answer in zip(text.feedback, text.answers, strict=False):
            assert said == answer
        preferred = [pref for _, pref, _ in text.feedback]
        assert text.answers == brute.predictions(text.options, preferred)
        wrong_guesses += sum(not ok for _, _, ok in text.feedback)
    assert wrong_guesses > 0  # Bayesian teaching keeps the early mistakes


def test_feedback_is_the_users_argmax_under_the_records_weights(generated, brute):
    import numpy as np

    ds = load(generated["bayesian"]).filter(lambda r: r["num_rounds"] == 5)
    for rec in ds:
        text = brute.read_flight_record(rec["messages"])
        w = np.rint(np.asarray(rec["weights"]) * 2)
        for r, (_, pref, _) in enumerate(text.feedback):
            rewards = list(np.asarray(text.options[r]) @ w)
            assert rewards.index(max(rewards)) == pref
            assert rewards.count(max(rewards)) == 1  # interaction rounds have a unique best option


def test_oracle_turns_are_the_users_pick_and_always_correct(generated, brute):
    import numpy as np

    ds = load(generated["oracle"])
    for rec in ds:
        text = brute.read_flight_record(rec["messages"])
        assert all(correct for _, _, correct in text.feedback)
        w = np.rint(np.asarray(rec["weights"]) * 2)
        for r, answer in enumerate(text.answers):
            rewards = list(np.asarray(text.options[r]) @ w)
            assert answer == rewards.index(max(rewards))


def test_bayesian_and_oracle_sets_of_one_seed_share_their_conversations(generated):
    b, o = load(generated["bayesian"]), load(generated["oracle"])
    assert b["options"] == o["options"] and b["user_picks"] == o["user_picks"]
    assert b["bayes_predictions"] == o["bayes_predictions"]
    assert b["assistant_picks"] == b["bayes_predictions"] and o["assistant_picks"] == o["user_picks"]


def test_prefix_records_are_prefixes_of_the_whole_conversation(generated):
    ds = load(generated["bayesian"])
    for start in range(0, 50, 5):
        whole = ds[start + 4]["messages"]
        for k in range(5):
            rec = ds[start + k]
            assert rec["num_rounds"] == k + 1 and rec["messages"] == whole[: 2 * (k + 1)]
            assert rec["idx"] == start + k
