"""Playing the game with a text model, unit by unit, resumable.

A unit is (user, k): the conversation after k rounds, then every held-out question of that user
(no feedback), and — in interactive play, for k < R — round k+1's question too, whose answer is
the model's own recommendation shown in the history of the later units. Units are processed k
by k for a block of users (a backend gets all of a block's groups at once) and appended to
`units.jsonl` as they finish; a restarted run skips the units already there.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from eval.backends import Backend, Reply
from eval.games import Game
from eval.metrics import unit_scores
from teacher.render import conversation_messages

USERS_PER_BLOCK = 16


class RunError(ValueError):
    """The run folder cannot be used as asked (another run's log, a finished run)."""


class UnitLog:
    """`units.jsonl`: a header line with the run's identity, then one JSON line per unit."""

    def __init__(self, path: str | Path, identity: dict, resume: bool) -> None:
        self.path = Path(path)
        self.units: list[dict] = []
        if self.path.exists():
            if not resume:
                raise RunError(f"{self.path} holds an unfinished run; pass --resume true to continue it "
                               f"or --overwrite true to start over")
            self._read(identity)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append([{"header": identity}], truncate=True)

    def _read(self, identity: dict) -> None:
        lines = self.path.read_text().splitlines()
        try:
            header = json.loads(lines[0])["header"]
        except (IndexError, json.JSONDecodeError, KeyError, TypeError):
            raise RunError(f"{self.path}: line 1 is not a run header; remove the file or choose another output_dir") from None
        changed = [k for k in identity if header.get(k) != identity[k]]
        if changed:
            k = changed[0]
            raise RunError(f"{self.path} is a run with {k}={header.get(k)!r}, not {identity[k]!r}; "
                           f"choose another output_dir or pass --overwrite true")
        good = 1
        for n, line in enumerate(lines[1:], start=2):
            try:
                self.units.append(json.loads(line))
                good = n
            except json.JSONDecodeError:
                if n != len(lines):
                    raise RunError(f"{self.path}:{n}: not valid JSON") from None
        if good < len(lines):  # a line cut short by a crash: drop it, it is redone
            self._append([], truncate=True, keep=lines[:good])

    def _append(self, records: list[dict], truncate: bool = False, keep: list[str] | None = None) -> None:
        with self.path.open("w" if truncate else "a") as fh:
            for line in keep or []:
                fh.write(line + "\n")
            for rec in records:
                fh.write(json.dumps(rec) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def add(self, units: list[dict]) -> None:
        self._append(units)
        self.units.extend(units)


def _softmax(logprobs: np.ndarray) -> np.ndarray:
    z = np.exp(logprobs - logprobs.max())
    return z / z.sum()


def read_replies(replies: list[Reply], game: Game) -> tuple[np.ndarray, np.ndarray | None, int, str | None]:
    """Replies → choices (-1: invalid), probabilities (scoring, else None), failures, first error."""
    choices = np.full(len(replies), -1, dtype=np.int64)
    probs = np.full((len(replies), game.num_options), 1.0 / game.num_options)
    have_probs = True
    failed, first_error = 0, None
    for i, r in enumerate(replies):
        if r.error is not None:
            failed += 1
            first_error = first_error or r.error
            continue
        if r.logprobs is not None:
            probs[i] = _softmax(np.asarray(r.logprobs, dtype=np.float64))
            choices[i] = int(np.argmax(r.logprobs))
        else:
            have_probs = False
            parsed = game.template.parse_answer(r.text or "", game.num_options)
            choices[i] = -1 if parsed is None else parsed
    return choices, (probs if have_probs else None), failed, first_error


def _history_recs(game: Game, recs: np.ndarray, u: int, k: int, mode: str) -> list[int]:
    if mode == "teacher-forced":
        return [int(x) for x in game.ba_round_predictions[u, :k]]
    # An invalid recommendation (unparseable generation) is shown as a wrong answer, so that the
    # feedback that follows tells the truth: the model did not name the user's pick.
    return [int(r) if r >= 0 else int((game.picks[u, j] + 1) % game.num_options) for j, r in enumerate(recs[u, :k])]


def play_text_model(game: Game, backend: Backend, how: str, mode: str, log: UnitLog,
                    progress: bool = True, users_per_block: int = USERS_PER_BLOCK) -> list[dict]:
    if mode == "teacher-forced" and game.ba_round_predictions is None:
        raise RunError(f"suite {game.name!r}: teacher-forced play needs the Bayesian Assistant, which "
                       f"{game.kind} does not have; use mode interactive")
    done = {(u["user"], u["k"]): u for u in log.units}
    n_rounds = game.num_rounds
    recs = np.full((game.num_users, n_rounds), -1, dtype=np.int64)
    for (u, k), unit in done.items():
        if unit.get("rec") is not None and k < n_rounds:
            recs[u, k] = unit["rec"]
    total = game.num_users * len(game.k_values)
    bar = tqdm(total=total, initial=len(done), desc=f"{game.name}", unit="unit", disable=not progress,
               file=sys.stderr)
    for start in range(0, game.num_users, users_per_block):
        block = range(start, min(game.num_users, start + users_per_block))
        for k in game.k_values:
            todo = [u for u in block if (u, k) not in done]
            if not todo:
                continue
            ask_round = mode == "interactive" and k < n_rounds and not game.next_round
            groups = []
            for u in todo:
                history = dict(rounds=game.round_lines[u][:k], recommendations=_history_recs(game, recs, u, k, mode),
                               picks=[int(p) for p in game.picks[u, :k]])
                questions = game.questions(u, k) + ([game.round_lines[u][k]] if ask_round else [])
                groups.append([conversation_messages(game.template, **history, final_question=q) for q in questions])
            replies = backend.answer(groups, game.answers, how)
            units = []
            for u, group_replies in zip(todo, replies, strict=True):
                choices, probs, failed, error = read_replies(group_replies, game)
                n_heldout = len(game.questions(u, k))
                rec = None
                if ask_round:
                    rec = int(choices[-1])
                elif game.next_round and mode == "interactive":
                    rec = int(choices[0])
                if rec is not None:
                    recs[u, k] = rec
                units.append(make_unit(game, u, k, choices[:n_heldout],
                                       None if probs is None else probs[:n_heldout], rec, failed, error))
            log.add(units)
            for unit in units:
                done[(unit["user"], unit["k"])] = unit
            bar.update(len(units))
    bar.close()
    return list(done.values())


def make_unit(game: Game, u: int, k: int, choices: np.ndarray, probs: np.ndarray | None,
              rec: int | None = None, failed: int = 0, error: str | None = None) -> dict:
    ki = game.k_values.index(k)
    ba = None if game.ba_predictions is None else game.ba_predictions[u, ki]
    ba_predictive = None if game.ba_predictive is None else game.ba_predictive[u, ki]
    scores = unit_scores(choices, game.heldout_picks[u, ki], ba, probs, ba_predictive)
    uid = game.user_ids[u]
    return {"user": int(u), "user_id": uid if isinstance(uid, str) else int(uid), "k": int(k), "rec": rec,
            **scores, "failed": int(failed), "error": error, "predictions": [int(c) for c in choices]}
