"""Backends run a text model on chat conversations. One small interface:

    backend.answer(groups, answers, how) -> [[Reply, ...] per conversation] per group

A group is a list of conversations (chat message lists, each ending with a user question) that
share their history: the held-out questions asked after one history, plus the next interaction
round's question. Backends may exploit the shared prefix (transformers: one KV cache per group;
vLLM: automatic prefix caching). `answers` are the complete answer texts naming each option.

- how="score": Reply.logprobs[o] = log P(answers[o] | conversation), the full answer text as the
  chat template renders it (end-of-turn included).
- how="generate": Reply.text is the model's free answer (greedy), parsed later.

A Reply with `error` is a failed request (recorded, counted invalid), never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

How = Literal["score", "generate"]
Messages = list[dict[str, str]]


class BackendError(RuntimeError):
    """The model cannot be loaded or reached at all (a per-request failure is a Reply.error)."""


@dataclass
class Reply:
    logprobs: np.ndarray | None = None
    text: str | None = None
    error: str | None = None


class Backend(Protocol):
    name: str

    def answer(self, groups: list[list[Messages]], answers: list[str], how: How) -> list[list[Reply]]: ...


def make_backend(config) -> Backend:
    """The backend named by config.backend (auto: transformers)."""
    kind = "transformers" if config.backend == "auto" else config.backend
    if kind == "transformers":
        from eval.backends.hf import TransformersBackend

        return TransformersBackend(config.model, device=config.device, dtype=config.dtype,
                                   batch_size=config.batch_size, prefix_reuse=config.prefix_reuse,
                                   max_new_tokens=config.max_new_tokens)
    if kind == "vllm":
        from eval.backends.vllm_backend import VLLMBackend

        return VLLMBackend(config.model, dtype=config.dtype, max_new_tokens=config.max_new_tokens)
    from eval.backends.openai_api import OpenAIBackend

    return OpenAIBackend(config.model, api_base=config.api_base, api_key_env=config.api_key_env,
                         requests_per_minute=config.requests_per_minute, max_retries=config.max_retries,
                         timeout=config.request_timeout, max_new_tokens=config.max_new_tokens,
                         backoff=config.retry_backoff)
