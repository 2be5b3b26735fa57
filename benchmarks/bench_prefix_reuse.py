"""Prefix reuse (one KV cache per conversation history) against full recomputation, scoring the
answers to 100 held-out questions asked after a 5-round history, on a tiny from-scratch student
(student/tiny.py, its default size: 4 layers, hidden 128). Both variants run in this process on
the same conversations, must choose the same answers (log-likelihoods equal to float tolerance),
and the ratio of their times (median of 3 runs, rendering and tokenization included) is the
result. Target: at least 5x."""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

HELDOUT_SETS = 100
HISTORY = 5
REPEATS = 3


def conversations():
    from eval.config import EvalConfig
    from eval.games import build_game
    from teacher.render import conversation_messages

    game = build_game(EvalConfig(users="4", heldout_sets=HELDOUT_SETS, seed=0))
    groups = []
    for u in range(2):  # two histories, 100 questions each
        recs, picks = game.ba_round_predictions[u, :HISTORY], game.picks[u, :HISTORY]
        groups.append([conversation_messages(game.template, game.round_lines[u][:HISTORY], recs, picks,
                                             final_question=q) for q in game.questions(u, HISTORY)])
    texts = [m["content"] for g in groups for m in g[0]] + game.answers
    return game, groups, texts


def timed(backend, groups, answers) -> tuple[float, np.ndarray]:
    times, scores = [], None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        scores = np.array([backend.score_group(g, answers) for g in groups])
        times.append(time.perf_counter() - t0)
    return statistics.median(times), scores


def main() -> dict:
    import torch

    from eval.backends.hf import TransformersBackend
    from student.tiny import make_tiny_student

    torch.set_num_threads(1)
    game, groups, texts = conversations()
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_tiny_student(texts * 20, tmp)
        reuse = TransformersBackend(str(folder), batch_size=32, prefix_reuse=True)
        full = TransformersBackend(str(folder), batch_size=32, prefix_reuse=False)
        tokens = len(reuse.ids(groups[0][0], True))
        t_reuse, s_reuse = timed(reuse, groups, game.answers)
        t_full, s_full = timed(full, groups, game.answers)
    same = bool((s_reuse.argmax(-1) == s_full.argmax(-1)).all())
    max_diff = float(np.abs(s_reuse - s_full).max())
    if not same or max_diff > 1e-3:
        raise AssertionError(f"prefix reuse changed the answers (same choices: {same}, max |diff| {max_diff:.2e})")
    result = {
        "workload": f"{len(groups)} histories x {HELDOUT_SETS} questions x {len(game.answers)} answers, "
                    f"~{tokens} prompt tokens",
        "prefix_reuse_s": round(t_reuse, 3),
        "full_recompute_s": round(t_full, 3),
        "speedup": round(t_full / t_reuse, 1),
        "max_logprob_diff": max_diff,
    }
    print(f"prefix reuse {t_reuse:.2f} s, full recomputation {t_full:.2f} s, speed-up "
          f"{t_full / t_reuse:.1f}x, same answers, max |Δ log p| {max_diff:.1e} ({result['workload']})")
    return result


if __name__ == "__main__":
    main()
