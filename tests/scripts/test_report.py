"""The experiment report's verdict and its side-by-side table with the paper."""

from __future__ import annotations

from scripts.report import comparison_table, verdict


def per_k(acc5, agree3=0.5):
    return [{"k": k, "accuracy": acc5 if k == 5 else 0.4, "agreement": agree3 if k == 3 else 0.5}
            for k in range(6)]


LINES = {"Random": per_k(0.33), "Preference-direction rule": per_k(0.74),
         "Bayesian Assistant (mean)": per_k(0.81)}


def test_verdict_says_near_chance_within_five_points_of_random():
    text = verdict({**LINES, "s": per_k(0.37)}, ["s"])
    assert "The s reaches 37.0% after 5 rounds, within 5 points of random (33.0%)" in text


def test_verdict_compares_a_learning_student_with_the_rule_and_the_assistant():
    beats = verdict({**LINES, "s": per_k(0.76, agree3=0.8)}, ["s"])
    assert "76.0%" in beats and "80.0%" in beats and "it beats the preference-direction rule (74.0%)" in beats
    assert "the Assistant reaches 81.0%" in beats
    below = verdict({**LINES, "s": per_k(0.60)}, ["s"])
    assert "does not beat the preference-direction rule" in below


def test_comparison_table_puts_paper_and_run_side_by_side():
    table = comparison_table("Flight", [("Gemma 2 9B, Bayesian-taught", 57, 76)], {"s": per_k(0.5)})
    lines = table.splitlines()
    assert "| Gemma 2 9B, Bayesian-taught (paper) | 57 | 76 | | |" in lines
    assert "| s (this run) | | | 40 | 50 |" in lines
