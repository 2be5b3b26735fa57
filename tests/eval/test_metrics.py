"""Metrics against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from eval.metrics import brier, kl_divergence, summarize, unit_scores


def test_kl_and_brier_by_hand():
    assert kl_divergence(np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])) == pytest.approx(np.log(2), rel=1e-5)
    assert brier(np.array([0.2, 0.3, 0.5]), np.array(2)) == pytest.approx(0.04 + 0.09 + 0.25)
    # A confident wrong model costs about -log(PROB_FLOOR), not infinity.
    assert 13 < kl_divergence(np.array([1.0, 0, 0]), np.array([0.0, 1.0, 0.0])) < 14


def test_unit_scores_count_invalid_as_wrong():
    s = unit_scores(np.array([0, -1, 2, 1]), np.array([0, 1, 2, 2]), np.array([0, 1, 1, 1]))
    assert (s["correct"], s["agree"], s["invalid"], s["n"]) == (2, 2, 1, 4)


def test_summary_is_mean_of_per_user_accuracy_with_stderr():
    correct = np.array([[3, 1], [2, 2], [0, 4]])  # users x k, out of 4
    units = [{"k": k, "n": 4, "correct": int(correct[u, k]), "agree": None, "invalid": 0, "kl": None,
              "brier": None} for u in range(3) for k in range(2)]
    rows = summarize(units, [0, 1], 3)["per_k"]
    for k in range(2):
        acc = correct[:, k] / 4
        assert rows[k]["accuracy"] == pytest.approx(acc.mean(), abs=1e-6)
        assert rows[k]["stderr"] == pytest.approx(acc.std(ddof=1) / np.sqrt(3), abs=1e-6)
        assert rows[k]["agreement"] is None and rows[k]["kl"] is None
    with pytest.raises(ValueError, match="2 of 3 users"):
        summarize(units[:-2], [0, 1], 3)
