"""An OpenAI-compatible chat-completions endpoint (hosted API models, or `vllm serve`), with plain
`urllib` (no client dependency), retries with exponential back-off and a simple rate limit.

- how="generate": greedy (temperature 0) answer text, parsed later.
- how="score": the same request with `logprobs` and `top_logprobs`; where the answer names an
  option ("... Flight 2"), the top log-probabilities at that number's token give the model's
  probabilities over the options (conditioned on the words before it). A server or answer without
  them falls back to the generated text. (Exact whole-answer likelihoods need prompt log-probs;
  use the transformers or vllm backend for those.)

Outcomes: a dropped connection, timeout, HTTP 429/5xx or malformed JSON is retried
`max_retries` times, then recorded as a failed request (Reply.error), never raised; HTTP
401/403/404 (wrong key, wrong model, wrong URL) stops the run with a BackendError at once —
finished units stay in the run log either way.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request

import numpy as np

from eval.backends import BackendError, How, Messages, Reply

TOP_LOGPROBS = 20
FATAL_STATUS = (401, 403, 404)


class RateLimiter:
    """At most `per_minute` request starts a minute (0: unlimited), spaced evenly."""

    def __init__(self, per_minute: float) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.next_start = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            delay = self.next_start - now
            self.next_start = max(now, self.next_start) + self.interval
        if delay > 0:
            time.sleep(delay)


class OpenAIBackend:
    name = "openai"

    def __init__(self, model: str, *, api_base: str, api_key_env: str = "OPENAI_API_KEY",
                 requests_per_minute: float = 0.0, max_retries: int = 4, timeout: float = 60.0,
                 max_new_tokens: int = 24, backoff: float = 0.5) -> None:
        self.model = model
        self.url = api_base.rstrip("/") + "/chat/completions"
        self.api_key = os.environ.get(api_key_env, "")
        self.limiter = RateLimiter(requests_per_minute)
        self.max_retries = max_retries
        self.timeout = timeout
        self.max_new_tokens = max_new_tokens
        self.backoff = backoff
        self.requests = 0  # sent, retries included

    def _post(self, payload: dict) -> dict:
        """One request with retries; returns the parsed response or raises _Failed / BackendError."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        last = "no attempt"
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(min(30.0, self.backoff * 2 ** (attempt - 1)))
            self.limiter.wait()
            self.requests += 1
            try:
                request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
                data = json.loads(raw)
                if not isinstance(data, dict) or not data.get("choices"):
                    raise ValueError("no 'choices' in the response")
                return data
            except urllib.error.HTTPError as err:
                detail = err.read()[:200].decode(errors="replace")
                if err.code in FATAL_STATUS:
                    raise BackendError(f"{self.url} answered HTTP {err.code} for model {self.model!r}: {detail}") from None
                last = f"HTTP {err.code}: {detail}"
                if err.code != 429 and err.code < 500:
                    break  # a 400 will not change on retry
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as err:
                last = f"connection failed: {getattr(err, 'reason', err)}"
            except (ValueError, UnicodeDecodeError) as err:
                last = f"malformed response: {err}"
        raise _Failed(f"{last} (after {attempt + 1} attempt(s))")

    def _ask(self, messages: Messages, how: How, num_options: int) -> Reply:
        payload = {"model": self.model, "messages": messages, "max_tokens": self.max_new_tokens,
                   "temperature": 0}
        if how == "score":
            payload.update(logprobs=True, top_logprobs=TOP_LOGPROBS)
        try:
            data = self._post(payload)
        except _Failed as err:
            return Reply(error=str(err))
        choice = data["choices"][0]
        text = (choice.get("message") or {}).get("content")
        if not isinstance(text, str):
            return Reply(error="malformed response: no message content")
        if how == "score":
            logprobs = option_logprobs(choice.get("logprobs"), num_options)
            if logprobs is not None:
                return Reply(logprobs=logprobs, text=text)
        return Reply(text=text)

    def answer(self, groups: list[list[Messages]], answers: list[str], how: How) -> list[list[Reply]]:
        return [[self._ask(c, how, len(answers)) for c in group] for group in groups]


class _Failed(RuntimeError):
    pass


def option_logprobs(logprobs: dict | None, num_options: int) -> np.ndarray | None:
    """Log-probabilities of option numbers 1..O at the generated token that names the option
    (the last token that is a bare number 1..O); options missing from the top list get -inf."""
    content = (logprobs or {}).get("content") if isinstance(logprobs, dict) else None
    if not isinstance(content, list):
        return None
    for entry in reversed(content):
        token = str(entry.get("token", "")).strip() if isinstance(entry, dict) else ""
        if re.fullmatch(r"\d+", token) and 1 <= int(token) <= num_options:
            out = np.full(num_options, -np.inf)
            for top in entry.get("top_logprobs") or [entry]:
                t = str(top.get("token", "")).strip()
                if re.fullmatch(r"\d+", t) and 1 <= int(t) <= num_options:
                    out[int(t) - 1] = max(out[int(t) - 1], float(top.get("logprob", -np.inf)))
            return out
    return None
