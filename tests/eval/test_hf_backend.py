"""The transformers backend: scores equal an independent full-sequence computation, the cached
path equals recomputation across batch boundaries, generation returns text."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from eval.backends.hf import TransformersBackend
from eval.config import EvalConfig
from eval.games import build_game
from teacher.render import conversation_messages


@pytest.fixture(scope="module")
def group():
    game = build_game(EvalConfig(users="2", heldout_sets=7, seed=4))
    u, k = 1, 3
    recs, picks = game.ba_round_predictions[u, :k], game.picks[u, :k]
    return game, [conversation_messages(game.template, game.round_lines[u][:k], recs, picks, final_question=q)
                  for q in game.questions(u, k)]


def independent_score(folder, conversation, answer) -> float:
    """log P(answer turn | conversation): one forward pass over the whole rendered text."""
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    prompt = tok.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
    full = tok.apply_chat_template([*conversation, {"role": "assistant", "content": answer}], tokenize=False)
    assert full.startswith(prompt)
    ids = tok(full, add_special_tokens=False)["input_ids"]
    n_prompt = len(tok(prompt, add_special_tokens=False)["input_ids"])
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].float(), -1)
    return float(sum(logp[t - 1, ids[t]] for t in range(n_prompt, len(ids))))


def test_scores_equal_an_independent_computation(tiny_model, group):
    game, conversations = group
    backend = TransformersBackend(tiny_model, batch_size=4)
    scores = backend.score_group(conversations[:2], game.answers)
    for q in range(2):
        for o, answer in enumerate(game.answers):
            assert scores[q][o] == pytest.approx(independent_score(tiny_model, conversations[q], answer), abs=1e-4)


def test_prefix_reuse_equals_recomputation(tiny_model, group):
    game, conversations = group
    cached = np.array(TransformersBackend(tiny_model, batch_size=4).score_group(conversations, game.answers))
    full = np.array(TransformersBackend(tiny_model, batch_size=5, prefix_reuse=False).score_group(
        conversations, game.answers))
    assert cached.shape == (7, 3)
    np.testing.assert_allclose(cached, full, atol=1e-4)
    assert (cached.argmax(1) == full.argmax(1)).all()


def test_generation_returns_one_text_per_question(tiny_model, group):
    game, conversations = group
    backend = TransformersBackend(tiny_model, batch_size=2, max_new_tokens=3)
    replies = backend.answer([conversations[:3]], game.answers, "generate")
    assert len(replies[0]) == 3 and all(isinstance(r.text, str) for r in replies[0])
