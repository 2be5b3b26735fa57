"""Local transformers models: log-likelihood scoring that reuses computation across the questions
asked after one history, and greedy generation.

Scoring a group (the questions asked after one history): every conversation + answer is rendered
with the chat template and tokenized. Then three levels, each computed once: the tokens all of
them share (the history and the start of the last user turn) in one forward pass; each question's
remaining tokens against a copy of that KV cache (left-padded so that all end at one position;
padding masked, positions given explicitly); each answer against a copy of its question's cache.
`prefix_reuse=False` instead runs every conversation + answer from scratch: the reference the
cached path must equal (tests and benchmarks/bench_prefix_reuse.py check it).

An answer's score is the sum of log-probabilities of the tokens of `conversation + answer` from
the first token where the rendering departs from the generation prompt's (normally right after
it; earlier when a template merges tokens across the boundary — the tokens before that point are
the same for every option, so the comparison stays exact).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence

import numpy as np

from eval.backends import BackendError, How, Messages, Reply


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class ChatTokens:
    """Token ids of conversations and of conversation + answer under a tokenizer's chat template."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        # Questions whose answer tokens merged with the prompt's last tokens (see module doc).
        self.boundary_merges = 0

    def ids(self, messages: Messages, generation_prompt: bool) -> list[int]:
        out = self.tokenizer.apply_chat_template(
            messages, tokenize=True, add_generation_prompt=generation_prompt, return_dict=False)
        return list(out["input_ids"] if isinstance(out, dict) else out)

    def full_ids(self, conversation: Messages, answers: list[str]) -> list[list[int]]:
        return [self.ids([*conversation, {"role": "assistant", "content": a}], False) for a in answers]

    def rendered(self, group: list[Messages], answers: list[str]) -> tuple[list[list[list[int]]], list[int]]:
        """Token ids of each conversation + answer [Q][O], and where each question's scoring starts.

        The answer's tokens are read off the full rendering of the group's first and last
        questions; when both tokenize as prompt + the same answer tokens (the usual case: the
        generation prompt ends the same way for every question), the other questions reuse them
        instead of rendering O more conversations each. Otherwise every one is rendered."""
        prompts = [self.ids(c, True) for c in group]
        probes = {q: self.full_ids(group[q], answers) for q in {0, len(group) - 1}}
        tails = [f[len(prompts[0]):] for f in probes[0]]
        if all(f == prompts[q] + tails[o] for q, fulls in probes.items() for o, f in enumerate(fulls)):
            return [[p + t for t in tails] for p in prompts], [len(p) for p in prompts]
        fulls, starts = [], []
        for conversation, prompt in zip(group, prompts, strict=True):
            full = self.full_ids(conversation, answers)
            start = min(common_prefix(prompt, f) for f in full)
            if start < len(prompt):
                self.boundary_merges += 1
            fulls.append(full)
            starts.append(start)
        return fulls, starts


class TransformersBackend:
    name = "transformers"

    def __init__(self, model: str, *, device: str = "auto", dtype: str = "auto", batch_size: int = 16,
                 prefix_reuse: bool = True, max_new_tokens: int = 24) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never wait on a hub this machine cannot reach
        import torch
        import transformers

        self.torch = torch
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        torch_dtype = {"auto": "auto", "float32": torch.float32, "bfloat16": torch.bfloat16,
                       "float16": torch.float16}[dtype]
        transformers.logging.set_verbosity_error()
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(model)
            self.model = transformers.AutoModelForCausalLM.from_pretrained(model, dtype=torch_dtype)
        except (OSError, ValueError, KeyError) as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise BackendError(f"cannot load model {model!r} with transformers: {first}") from None
        if not getattr(self.tokenizer, "chat_template", None):
            raise BackendError(f"model {model!r}: the tokenizer has no chat template")
        self.model.to(device).eval()
        self.device = device
        self.batch_size = batch_size
        self.prefix_reuse = prefix_reuse
        self.max_new_tokens = max_new_tokens
        self.chat = ChatTokens(self.tokenizer)

    def ids(self, messages: Messages, generation_prompt: bool) -> list[int]:
        return self.chat.ids(messages, generation_prompt)

    def _rendered(self, group: list[Messages], answers: list[str]) -> tuple[list[list[list[int]]], list[int]]:
        return self.chat.rendered(group, answers)

    # -- scoring -----------------------------------------------------------------------------
    def _logprobs_at(self, logits, tokens: list[int], first: int) -> float:
        """Sum of log P(tokens[i]) for i >= first, where logits[j] predicts tokens[j + 1]."""
        torch = self.torch
        positions = torch.arange(first - 1, len(tokens) - 1)
        targets = torch.tensor(tokens[first:])
        return float(torch.log_softmax(logits[positions].float(), dim=-1)[torch.arange(len(targets)), targets].sum())

    def _batched_forward(self, sequences: list[list[int]]):
        """Logits (B, L, V) of right-padded sequences."""
        torch = self.torch
        width = max(len(s) for s in sequences)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        batch = torch.full((len(sequences), width), pad, dtype=torch.long)
        for i, s in enumerate(sequences):
            batch[i, : len(s)] = torch.tensor(s)
        return self.model(input_ids=batch.to(self.device)).logits.cpu()

    def _repeat_cache(self, cache, times: int):
        cache = copy.deepcopy(cache)
        cache.batch_repeat_interleave(times)
        return cache

    def score_group(self, group: list[Messages], answers: list[str]) -> list[np.ndarray]:
        fulls, starts = self._rendered(group, answers)
        with self.torch.inference_mode():
            # Tokens every conversation + answer shares; at least one question token stays out,
            # so that each question's own last token gives P(first answer token).
            shared = min(min(common_prefix(fulls[0][0], f) for f in full) for full in fulls)
            shared = min(shared, min(starts) - 1)
            if self.prefix_reuse and shared >= 1:
                return self._score_with_cache(fulls, starts, shared)
            return self._score_full(fulls, starts)

    def _score_full(self, fulls: list[list[list[int]]], starts: list[int]) -> list[np.ndarray]:
        """Every conversation + answer from scratch (the reference the cached path must equal)."""
        items = [(q, o) for q in range(len(fulls)) for o in range(len(fulls[q]))]
        scores = np.zeros((len(fulls), len(fulls[0])))
        for b in range(0, len(items), self.batch_size):
            chunk = items[b: b + self.batch_size]
            logits = self._batched_forward([fulls[q][o] for q, o in chunk])
            for i, (q, o) in enumerate(chunk):
                scores[q, o] = self._logprobs_at(logits[i], fulls[q][o], starts[q])
        return list(scores)

    def _score_with_cache(self, fulls: list[list[list[int]]], starts: list[int], shared: int) -> list[np.ndarray]:
        """Three levels: the shared prefix once; each question once (left-padded after the prefix,
        so that all questions end at the same position); then each answer against a copy of its
        question's cache. Padding is masked and positions are given explicitly."""
        torch = self.torch
        n_answers = len(fulls[0])
        scores = np.zeros((len(fulls), n_answers))
        prefix = self.model(input_ids=torch.tensor([fulls[0][0][:shared]], device=self.device), use_cache=True,
                            logits_to_keep=1).past_key_values
        per_batch = max(1, self.batch_size // n_answers)
        for b in range(0, len(fulls), per_batch):
            qs = list(range(b, min(len(fulls), b + per_batch)))
            questions = [fulls[q][0][shared:starts[q]] for q in qs]
            width = max(map(len, questions))
            ids = torch.zeros((len(qs), width), dtype=torch.long)
            mask = torch.ones((len(qs), shared + width), dtype=torch.long)
            positions = torch.zeros((len(qs), width), dtype=torch.long)
            for i, tokens in enumerate(questions):
                pad = width - len(tokens)
                ids[i, pad:] = torch.tensor(tokens)
                mask[i, shared:shared + pad] = 0
                positions[i, pad:] = torch.arange(shared, shared + len(tokens))
            cache = self._repeat_cache(prefix, len(qs))
            out = self.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                             position_ids=positions.to(self.device), past_key_values=cache, use_cache=True)
            first = torch.log_softmax(out.logits[:, -1].float().cpu(), dim=-1)  # P(first answer token)
            tails = [fulls[q][o][starts[q]:] for q in qs for o in range(n_answers)]
            tail_width = max(map(len, tails))
            cache.batch_repeat_interleave(n_answers)
            tail_ids = torch.zeros((len(tails), tail_width), dtype=torch.long)
            for i, tokens in enumerate(tails):
                tail_ids[i, : len(tokens)] = torch.tensor(tokens)
            tail_mask = torch.cat([mask.repeat_interleave(n_answers, dim=0),
                                   torch.ones((len(tails), tail_width), dtype=torch.long)], dim=1)
            tail_positions = torch.cat([torch.arange(shared + len(qt), shared + len(qt) + tail_width)[None]
                                        for qt in questions for _ in range(n_answers)])
            logits = self.model(input_ids=tail_ids.to(self.device), attention_mask=tail_mask.to(self.device),
                                position_ids=tail_positions.to(self.device), past_key_values=cache).logits.cpu()
            for i, tokens in enumerate(tails):
                q, o = divmod(i, n_answers)
                total = float(first[q, tokens[0]])
                if len(tokens) > 1:
                    total += self._logprobs_at(logits[i], tokens, 1)
                scores[qs[q], o] = total
        return list(scores)

    # -- generation --------------------------------------------------------------------------
    def generate_group(self, group: list[Messages]) -> list[str]:
        torch = self.torch
        tok = self.tokenizer
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        texts = []
        with torch.inference_mode():
            for b in range(0, len(group), self.batch_size):
                prompts = [self.ids(c, True) for c in group[b: b + self.batch_size]]
                width = max(map(len, prompts))
                ids = torch.full((len(prompts), width), pad, dtype=torch.long)
                mask = torch.zeros_like(ids)
                for i, p in enumerate(prompts):  # left padding, so that every answer starts at `width`
                    ids[i, width - len(p):] = torch.tensor(p)
                    mask[i, width - len(p):] = 1
                out = self.model.generate(input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                                          max_new_tokens=self.max_new_tokens, do_sample=False, pad_token_id=pad)
                texts += tok.batch_decode(out[:, width:].cpu(), skip_special_tokens=True)
        return texts

    def answer(self, groups: list[list[Messages]], answers: list[str], how: How) -> list[list[Reply]]:
        if how == "score":
            return [[Reply(logprobs=s) for s in self.score_group(g, answers)] for g in groups]
        return [[Reply(text=t) for t in self.generate_group(g)] for g in groups]
