"""The OpenAI-compatible backend against a chat-completions server started here on loopback:
good answers, bad answers, dropped connections, server errors, log-probabilities, a wrong model."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from eval.backends.openai_api import OpenAIBackend, RateLimiter, option_logprobs
from eval.config import EvalConfig
from eval.games import build_game
from eval.run import cli, run

SMALL = dict(users="2", heldout_sets=2, seed=3, progress=False, references=[], backend="openai",
             retry_backoff=0.01, max_retries=2)


class FakeServer:
    """Answers "The best option is Flight 1." unless `script[n]` (n = request number, from 1) says:
    'drop' (close without a reply), '500', 'garbage' (not JSON), 'text:<answer>', or a
    callable(body) -> (status, body)."""

    def __init__(self, logprobs: dict | None = None, status: int = 200):
        self.script: dict[int, object] = {}
        self.bodies: list[dict] = []
        self.logprobs, self.status = logprobs, status
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.bodies.append(body)
                action = server.script.get(len(server.bodies))
                if action == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if action == "500" or server.status != 200:
                    return self.reply(500 if action == "500" else server.status, b'{"error": "boom"}')
                if action == "garbage":
                    return self.reply(200, b"<html>not json")
                text = action[5:] if isinstance(action, str) and action.startswith("text:") else \
                    "The best option is Flight 1."
                choice = {"index": 0, "message": {"role": "assistant", "content": text}}
                if body.get("logprobs") and server.logprobs is not None:
                    choice["logprobs"] = server.logprobs
                self.reply(200, json.dumps({"choices": [choice]}).encode())

            def reply(self, status, payload):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


QUESTIONS = 2 * (6 * 2 + 5)  # users x (6 units x 2 held-out questions + 5 interaction rounds)


def test_generation_with_bad_answers_drops_and_errors(tmp_path):
    with FakeServer() as server:
        # Requests 1-6: user 0 after 0 rounds (2 held-out questions, then round 1's question);
        # 7-9: user 1; 10-12: user 0 after 1 round, first question: 3 drops exhaust 2 retries.
        server.script = {1: "drop", 3: "500", 4: "garbage", 6: "text:Hmm.", 7: "text:I need more information.",
                         10: "drop", 11: "drop", 12: "drop"}
        result = run(EvalConfig(model="served", api_base=server.url, answer="generate",
                                output_dir=str(tmp_path), **SMALL))
    assert len(server.bodies) == QUESTIONS + 1 + 2 + 2  # + retries of drop, 500/garbage, 2 drops
    assert server.bodies[0]["model"] == "served" and server.bodies[0]["temperature"] == 0
    units = [json.loads(line) for line in (tmp_path / "units.jsonl").read_text().splitlines()[1:]]
    assert sum(u["invalid"] for u in units) == 2 and sum(u["failed"] for u in units) == 1
    game = build_game(EvalConfig(**SMALL))
    # The unparseable recommendation of round 1 is shown as a wrong answer, with true feedback.
    history = server.bodies[12]["messages"]
    wrong = int((game.picks[0, 0] + 1) % 3)
    assert history[1]["content"] == game.template.answer(wrong)
    assert history[2]["content"].startswith(game.template.feedback(wrong, game.picks[0, 0]))
    assert result["failed_units"] == 1 and "connection failed" in result["first_errors"][0]
    assert sum(r["invalid_rate"] for r in result["per_k"]) > 0


def test_scoring_reads_option_logprobs(tmp_path):
    top = [{"token": " 2", "logprob": -0.2}, {"token": " 1", "logprob": -1.9}, {"token": " 3", "logprob": -3.0}]
    content = [{"token": t, "logprob": -0.01, "top_logprobs": []} for t in ("The", " best", " option", " is", " Flight")]
    content += [{"token": " 2", "logprob": -0.2, "top_logprobs": top}, {"token": ".", "logprob": 0.0, "top_logprobs": []}]
    assert option_logprobs({"content": content}, 3) == pytest.approx(np.array([-1.9, -0.2, -3.0]))
    with FakeServer(logprobs={"content": content}) as server:
        result = run(EvalConfig(model="served", api_base=server.url, output_dir=str(tmp_path), **SMALL))
    assert server.bodies[0]["logprobs"] is True and server.bodies[0]["top_logprobs"] == 20
    units = [json.loads(line) for line in (tmp_path / "units.jsonl").read_text().splitlines()[1:]]
    assert all(set(u["predictions"]) == {1} for u in units)  # the log-probs, not the text, decide
    p = np.exp([-1.9, -0.2, -3.0]) / np.exp([-1.9, -0.2, -3.0]).sum()
    picks = build_game(EvalConfig(**SMALL)).heldout_picks  # (U, K, S)
    brier = ((p - np.eye(3)[picks]) ** 2).sum(-1).mean(axis=(0, 2))
    assert [r["brier"] for r in result["per_k"]] == pytest.approx(list(brier), abs=1e-6)
    assert all(r["kl"] > 0 for r in result["per_k"])


def test_wrong_model_stops_with_a_clear_error_and_keeps_nothing_half_written(tmp_path, capsys):
    with FakeServer(status=404) as server:
        code = cli(["--model", "nope", "--backend", "openai", "--api_base", server.url, "--users", "2",
                    "--heldout_sets", "2", "--output_dir", str(tmp_path), "--progress", "false"])
    err = capsys.readouterr().err
    assert code == 2 and "HTTP 404" in err and "'nope'" in err and "Traceback" not in err
    assert not (tmp_path / "results.json").exists()


def test_rate_limit_spaces_requests():
    limiter = RateLimiter(per_minute=1200)  # one every 0.05 s
    start = time.monotonic()
    for _ in range(5):
        limiter.wait()
    assert time.monotonic() - start >= 0.19


def test_backend_reports_unreachable_server_as_failed_requests():
    backend = OpenAIBackend("m", api_base="http://127.0.0.1:9/v1", max_retries=1, backoff=0.01, timeout=2)
    replies = backend.answer([[[{"role": "user", "content": "hi"}]]], ["a", "b", "c"], "generate")
    assert replies[0][0].error and "after 2 attempt(s)" in replies[0][0].error
