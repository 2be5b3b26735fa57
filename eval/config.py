"""The one config of `python -m eval run`: the suite (which users, option sets and protocol; the
keys of a configs/eval/*.yaml file) and the run (which model, which backend, where to write).

Suite files and `--key value` flags share these names; an unknown key is an error naming the
file and the key (bayes.config.parse_config)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# What a run log must agree on to be resumed (eval.protocol.UnitLog).
IDENTITY_KEYS = (
    "source", "domain", "path", "heldout_path", "user_split", "users", "rounds", "heldout_sets",
    "seed", "mode", "model", "backend", "answer", "user_noise", "user_epsilon", "user_temperature",
    "grid_prior",
)


@dataclass
class EvalConfig:
    # -- suite -------------------------------------------------------------------------------
    name: str = field(default="", metadata={"help": "suite name (default: the config file's stem, else the domain)"})
    source: Literal["simulated", "released", "webshop"] = field(
        default="simulated",
        metadata={"help": "simulated users (generated like `python -m bayes simulate`), a released "
                          "interaction file (flight, hotel, human choices), or released web-shopping files"},
    )
    domain: str = field(default="flight", metadata={"help": "flight, flight_2 .. flight_8, or hotel (unused for webshop)"})
    path: str = field(default="", metadata={"help": "released interaction file (source=released) or web-shopping "
                                                    "folder/file (source=webshop); relative to the working directory"})
    heldout_path: str = field(default="", metadata={"help": "released held-out option sets (JSON for flight/hotel, a "
                                                            "folder or JSONL for webshop); empty: generated with the seed"})
    user_split: Literal["all", "train", "heldout"] = field(
        default="all", metadata={"help": "simulated users: all, or the teacher's train/held-out split (teacher.splits)"}
    )
    users: str = field(default="all", metadata={"help": "'all' or a number of users (sampled with the seed)"})
    rounds: int = field(default=5, metadata={"help": "interaction rounds; accuracy is reported after k = 0..rounds"})
    heldout_sets: int = field(default=100, metadata={"help": "held-out option sets per user (shared by all users)"})
    seed: int = field(default=0, metadata={"help": "seed of users, option sets and the random player"})
    user_noise: Literal["none", "epsilon", "softmax"] = field(
        default="none",
        metadata={"help": "simulated users' picks in the interaction rounds: noise-free (the paper's), "
                          "uniformly random with probability user_epsilon, or softmax with user_temperature; "
                          "held-out answers are always the user's noise-free best option"})
    user_epsilon: float = field(default=0.1, metadata={"help": "users' random-pick probability (user_noise=epsilon)"})
    user_temperature: float = field(default=0.1, metadata={"help": "users' softmax temperature (user_noise=softmax)"})
    grid_prior: str = field(default="", metadata={
        "help": "grid_prior.json (or a `bayes fit` folder): the prior and likelihood of the noise-aware reference "
                "player bayes:noise-aware (without it: the users' own noise model, uniform prior)"})
    mode: Literal["interactive", "teacher-forced"] = field(
        default="interactive",
        metadata={"help": "interactive: the model's own recommendations stay in context (the paper's protocol); "
                          "teacher-forced: the history shows the Bayesian Assistant's recommendations"},
    )
    # -- run ---------------------------------------------------------------------------------
    model: str = field(default="bayes:mean", metadata={
        "help": "a reference player (bayes:mean, bayes:vote, random, oracle, cheapest, preference-direction) "
                "or a model: a transformers folder/name, or the served model's name (backend=openai)"})
    backend: Literal["auto", "transformers", "vllm", "openai"] = field(
        default="auto", metadata={"help": "how a text model is run (auto: transformers; reference players need none)"}
    )
    answer: Literal["score", "generate"] = field(
        default="score", metadata={"help": "score: log-likelihood of each complete answer, highest wins; "
                                           "generate: greedy generation parsed back to an option"}
    )
    output_dir: str = field(default="", metadata={"help": "run folder (default: runs/eval/<suite>/<model>)"})
    resume: bool = field(default=True, metadata={"help": "reuse finished (user, k) units of an interrupted run"})
    overwrite: bool = field(default=False, metadata={"help": "replace a finished run in output_dir"})
    batch_size: int = field(default=32, metadata={"help": "continuations (scoring) or prompts (generation) per forward pass"})
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = field(default="auto", metadata={"help": "model weights' dtype"})
    device: str = field(default="auto", metadata={"help": "torch device for transformers (auto: cuda if available)"})
    max_new_tokens: int = field(default=24, metadata={"help": "generation: tokens per answer"})
    prefix_reuse: bool = field(default=True, metadata={
        "help": "transformers scoring: compute each conversation prefix once (KV cache) for all its questions"})
    api_base: str = field(default="http://127.0.0.1:8000/v1", metadata={"help": "OpenAI-compatible endpoint"})
    api_key_env: str = field(default="OPENAI_API_KEY", metadata={"help": "environment variable holding the API key"})
    requests_per_minute: float = field(default=0.0, metadata={"help": "API rate limit (0: none)"})
    max_retries: int = field(default=4, metadata={"help": "API retries per request (exponential back-off)"})
    retry_backoff: float = field(default=1.0, metadata={"help": "API back-off: waits this many seconds, then doubles"})
    request_timeout: float = field(default=60.0, metadata={"help": "API timeout per request, seconds"})
    references: list[str] = field(
        default_factory=lambda: ["random", "bayes:mean", "preference-direction", "oracle"],
        metadata={"help": "reference players scored on the same game and shown beside the model "
                          "(those that do not apply to the suite's domain are skipped)"},
    )
    label: str = field(default="", metadata={"help": "the model's name in tables and plots (default: from model)"})
    progress: bool = field(default=True, metadata={"help": "show progress bars"})

    def __post_init__(self) -> None:
        for name in ("rounds", "heldout_sets", "batch_size", "max_new_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"key '{name}': expected a positive integer, got {getattr(self, name)}")
        if self.max_retries < 0 or self.requests_per_minute < 0 or self.request_timeout <= 0:
            raise ValueError("keys max_retries, requests_per_minute: expected >= 0; request_timeout: > 0")
        if self.users != "all":
            try:
                if int(self.users) < 1:
                    raise ValueError
            except ValueError:
                raise ValueError(f"key 'users': expected 'all' or a positive integer, got {self.users!r}") from None
        if self.user_noise != "none" and self.source != "simulated":
            raise ValueError(f"key 'user_noise': only simulated users can be made noisy (source={self.source})")
        if not 0.0 <= self.user_epsilon <= 1.0:
            raise ValueError(f"key 'user_epsilon': expected a probability in [0, 1], got {self.user_epsilon}")
        if self.user_temperature <= 0:
            raise ValueError(f"key 'user_temperature': expected a positive number, got {self.user_temperature}")
        if self.source in ("released", "webshop") and not self.path:
            raise ValueError(f"key 'path': source={self.source} needs the released file or folder")
