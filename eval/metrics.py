"""Scores of one (user, k) unit and their summary per k.

A unit is the model's answers to the held-out questions asked to one user after k rounds.
Accuracy compares with the user's pick, agreement with the Bayesian Assistant's prediction given
the same history; an invalid answer (unparseable, or a failed request) counts as wrong and is
counted separately. With option probabilities (scoring mode): KL(Bayesian posterior predictive ||
model) and the Brier score against the user's pick.
"""

from __future__ import annotations

import numpy as np

# Model probabilities are floored here before the KL divergence, so that a confident wrong
# answer costs a large but finite amount (-log 1e-6 = 13.8 nats).
PROB_FLOOR = 1e-6


def kl_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p || q) along the last axis, q floored at PROB_FLOOR and renormalized; 0 log 0 = 0."""
    q = np.maximum(q, PROB_FLOOR)
    q = q / q.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return terms.sum(axis=-1)


def brier(q: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """Sum over options of (q_o - [o = pick])^2, for q (..., O) and picks (...)."""
    onehot = np.eye(q.shape[-1])[picks]
    return ((q - onehot) ** 2).sum(axis=-1)


def unit_scores(
    predictions: np.ndarray,
    picks: np.ndarray,
    ba_predictions: np.ndarray | None = None,
    probs: np.ndarray | None = None,
    ba_predictive: np.ndarray | None = None,
) -> dict:
    """Sums over the S questions of one unit: predictions (S,) with -1 for invalid, picks (S,),
    optional Bayesian predictions (S,), model probabilities (S, O) and Bayesian predictive (S, O)."""
    predictions = np.asarray(predictions)
    out = {
        "n": int(predictions.size),
        "correct": int((predictions == picks).sum()),
        "agree": None if ba_predictions is None else int((predictions == ba_predictions).sum()),
        "invalid": int((predictions < 0).sum()),
        "kl": None, "brier": None,
    }
    if probs is not None:
        out["brier"] = float(brier(probs, picks).sum())
        if ba_predictive is not None:
            out["kl"] = float(kl_divergence(ba_predictive, probs).sum())
    return out


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    se = float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else 0.0
    return float(x.mean()), se


def summarize(units: list[dict], k_values: list[int], num_users: int) -> dict:
    """Per k: accuracy (mean over users of per-user accuracy, s.e. across users), agreement,
    invalid rate, failed-request rate, KL and Brier (per question), from every unit."""
    by_k = {k: [u for u in units if u["k"] == k] for k in k_values}
    rows = []
    for k in k_values:
        got = by_k[k]
        if len(got) != num_users:
            raise ValueError(f"k={k}: {len(got)} of {num_users} users scored")
        n = np.array([u["n"] for u in got], dtype=np.float64)
        acc_mean, acc_se = _mean_se(np.array([u["correct"] for u in got]) / n)
        row = {"k": k, "accuracy": acc_mean, "stderr": acc_se, "agreement": None, "agreement_stderr": None,
               "invalid_rate": float(sum(u["invalid"] for u in got) / n.sum()),
               "failed_rate": float(sum(u.get("failed", 0) for u in got) / n.sum()),
               "kl": None, "brier": None}
        if all(u["agree"] is not None for u in got):
            row["agreement"], row["agreement_stderr"] = _mean_se(np.array([u["agree"] for u in got]) / n)
        for key in ("kl", "brier"):
            if all(u[key] is not None for u in got):
                row[key] = float(sum(u[key] for u in got) / n.sum())
        rows.append({key: (round(v, 6) if isinstance(v, float) else v) for key, v in row.items()})
    return {"per_k": rows}
