"""Fixtures: a tiny random-init student (student/tiny.py) trained on game text, and a scripted
backend that records what it is asked."""

from __future__ import annotations

import numpy as np
import pytest

from eval.backends import Reply
from eval.config import EvalConfig
from eval.games import build_game
from teacher.render import conversation_messages


def game_texts() -> list[str]:
    game = build_game(EvalConfig(users="6", heldout_sets=4))
    texts = []
    for u in range(game.num_users):
        msgs = conversation_messages(game.template, game.round_lines[u], game.picks[u], game.picks[u],
                                     final_question=game.shared_heldout_lines[u % 4])
        texts += [m["content"] for m in msgs]
    hotel = build_game(EvalConfig(domain="hotel", users="3", heldout_sets=2))
    texts += [line for u in range(3) for r in hotel.round_lines[u] for line in r]
    return texts * 5 + game.answers + hotel.answers


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    from student.tiny import make_tiny_student

    folder = make_tiny_student(game_texts(), tmp_path_factory.mktemp("tiny") / "student", vocab_size=400,
                               hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    return str(folder)


class ScriptedBackend:
    """Answers by a rule on the question's option lines; records every conversation it saw.

    `choose(messages) -> option index`; with how="generate" it writes the template's answer (or
    `bad_text` for every `bad_every`-th question)."""

    name = "scripted"

    def __init__(self, choose, bad_text: str | None = None, bad_every: int = 0, fail_after: int | None = None):
        self.choose = choose
        self.seen: list[list[dict]] = []
        self.bad_text, self.bad_every = bad_text, bad_every
        self.fail_after = fail_after
        self.calls = 0

    def answer(self, groups, answers, how):
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise KeyboardInterrupt("simulated interruption")
        out = []
        for group in groups:
            replies = []
            for conversation in group:
                self.seen.append(conversation)
                o = self.choose(conversation)
                if how == "score":
                    logprobs = np.full(len(answers), -5.0)
                    logprobs[o] = -0.1
                    replies.append(Reply(logprobs=logprobs))
                elif self.bad_every and len(self.seen) % self.bad_every == 0:
                    replies.append(Reply(text=self.bad_text))
                else:
                    replies.append(Reply(text=answers[o]))
            out.append(replies)
        return out
