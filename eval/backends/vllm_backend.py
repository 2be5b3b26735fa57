"""vLLM (GPU): the same answers as the transformers backend, with vLLM's automatic prefix caching
doing the reuse across questions (every prompt of a run is submitted at once, so the scheduler
batches freely). Optional: `pip install '.[gpu]'` on a CUDA machine.

Scoring submits each conversation + answer as token ids (rendered exactly as the transformers
backend renders them) with `prompt_logprobs=0` and sums the answer tokens' log-probabilities;
generation is greedy.
"""

from __future__ import annotations

import numpy as np

from eval.backends import BackendError, How, Messages, Reply
from eval.backends.hf import ChatTokens


class VLLMBackend:
    name = "vllm"

    def __init__(self, model: str, *, dtype: str = "auto", max_new_tokens: int = 24,
                 gpu_memory_utilization: float = 0.85) -> None:
        try:
            from vllm import LLM, SamplingParams
            from vllm.inputs import TokensPrompt
        except ImportError:
            raise BackendError("backend vllm needs the vllm package: pip install '.[gpu]' (CUDA machine)") from None
        self.SamplingParams, self.TokensPrompt = SamplingParams, TokensPrompt
        try:
            self.llm = LLM(model=model, dtype=dtype, enable_prefix_caching=True,
                           gpu_memory_utilization=gpu_memory_utilization)
        except (OSError, ValueError, RuntimeError) as err:
            raise BackendError(f"cannot load model {model!r} with vllm: {str(err).splitlines()[0]}") from None
        self.chat = ChatTokens(self.llm.get_tokenizer())
        self.max_new_tokens = max_new_tokens

    def answer(self, groups: list[list[Messages]], answers: list[str], how: How) -> list[list[Reply]]:
        if how == "generate":
            prompts = [self.TokensPrompt(prompt_token_ids=self.chat.ids(c, True)) for g in groups for c in g]
            params = self.SamplingParams(temperature=0.0, max_tokens=self.max_new_tokens)
            outputs = iter(self.llm.generate(prompts, params, use_tqdm=False))
            return [[Reply(text=next(outputs).outputs[0].text) for _ in g] for g in groups]
        rendered = [self.chat.rendered(g, answers) for g in groups]
        prompts = [self.TokensPrompt(prompt_token_ids=f) for fulls, _ in rendered for per_q in fulls for f in per_q]
        params = self.SamplingParams(max_tokens=1, prompt_logprobs=0, temperature=0.0)
        outputs = iter(self.llm.generate(prompts, params, use_tqdm=False))
        replies = []
        for fulls, starts in rendered:
            group_replies = []
            for per_q, start in zip(fulls, starts, strict=True):
                scores = np.zeros(len(per_q))
                for o, tokens in enumerate(per_q):
                    logprobs = next(outputs).prompt_logprobs  # [None, {id: Logprob}, ...] per position
                    scores[o] = sum(logprobs[t][tokens[t]].logprob for t in range(start, len(tokens)))
                group_replies.append(Reply(logprobs=scores))
            replies.append(group_replies)
        return replies
