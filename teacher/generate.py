"""`python -m teacher generate`: write a teacher dataset (Bayesian or oracle teaching).

Each selected user plays `conversations_per_user` conversations of `rounds` rounds with option
sets drawn from `seed`; the assistant turn says the Bayesian Assistant's prediction (bayesian) or
the user's pick (oracle), the feedback turn tells the truth. Each conversation becomes its
prefixes ending after round 1..rounds (`expand_prefixes`), as in the paper's release.

The output folder is a Hugging Face dataset (`datasets.load_from_disk(output_dir)`) with, beside
it, `data.jsonl` ({"idx", "messages"} per line, the release's form), a dataset card `README.md`,
the resolved `config.yaml` and `manifest.json` (with the content `fingerprint`). It is written
atomically: a failure leaves no folder behind.

Example (the paper's flight Bayesian-teaching set, 624 users x 10 conversations x 5 prefixes):
    python -m teacher generate --config configs/teacher/flight_bayesian.yaml
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import datasets
import numpy as np
from tqdm.auto import tqdm

from bayes.artifacts import (
    OutputExistsError,
    atomic_output_dir,
    check_output_dir,
    write_run_metadata,
)
from bayes.choice import Likelihood
from bayes.config import ConfigError, parse_config, to_dict
from bayes.domains import DomainError, get_domain
from bayes.noise import user_noise_model
from bayes.noise_prior import GridPriorError, grid_prior_id, noise_aware_assistant
from bayes.posterior import BayesianAssistant
from teacher.card import card_text
from teacher.conversations import ConversationBatch, simulate_conversations
from teacher.dataset import JSONL, canonical_line
from teacher.records import iter_records
from teacher.render import DomainTemplate, TemplateError, load_template
from teacher.schema import COLUMNS, FEATURES, SchemaError
from teacher.splits import split_user_weights

STAGE = "teacher.generate"


@dataclass
class GenerateConfig:
    domain: str = field(default="flight", metadata={"help": "flight, flight_2 .. flight_8, or hotel"})
    teaching: Literal["bayesian", "oracle"] = field(
        default="bayesian",
        metadata={"help": "assistant turns: the Bayesian Assistant's prediction or the user's pick"},
    )
    users: str = field(
        default="all", metadata={"help": "'all' users of the split, or a number of them sampled with the seed"}
    )
    split: Literal["all", "train", "heldout"] = field(
        default="all", metadata={"help": "which users (teacher.splits.split_user_weights; eval reuses it)"}
    )
    heldout_fraction: float = field(default=0.2, metadata={"help": "fraction of users held out for eval"})
    split_seed: int = field(default=0, metadata={"help": "seed of the train/held-out user split"})
    conversations_per_user: int = field(default=10, metadata={"help": "conversations per user"})
    rounds: int = field(default=5, metadata={"help": "rounds per conversation"})
    expand_prefixes: bool = field(
        default=True, metadata={"help": "one record per prefix (ending after round 1..rounds), as released"}
    )
    rule: Literal["mean", "vote"] = field(
        default="mean", metadata={"help": "the assistant's prediction: posterior-mean argmax (paper) or vote"}
    )
    likelihood: Literal["indicator", "epsilon", "softmax"] = field(
        default="indicator", metadata={"help": "the assistant's user model (paper: indicator)"}
    )
    epsilon: float = field(default=0.1, metadata={"help": "random-pick probability (likelihood=epsilon)"})
    temperature: float = field(default=0.1, metadata={"help": "softmax temperature (likelihood=softmax)"})
    grid_prior: str = field(default="", metadata={
        "help": "grid_prior.json (or a `bayes fit` folder): the assistant uses the fitted population prior and "
                "noise likelihood instead of a uniform prior and `likelihood` (noise-aware Bayesian teaching)"})
    user_noise: Literal["none", "epsilon", "softmax"] = field(
        default="none", metadata={"help": "simulated users' picks: noise-free (the paper's), uniformly random "
                                          "with probability user_epsilon, or softmax with user_temperature"})
    user_epsilon: float = field(default=0.1, metadata={"help": "users' random-pick probability (user_noise=epsilon)"})
    user_temperature: float = field(default=0.1, metadata={"help": "users' softmax temperature (user_noise=softmax)"})
    template: str = field(
        default="", metadata={"help": "text template: a YAML path, or empty for the domain's built-in one"}
    )
    seed: int = field(default=0, metadata={"help": "random seed of the option sets (and of `users: n`)"})
    output_dir: str = field(default="", metadata={"help": "folder to write (required)"})
    overwrite: bool = field(default=False, metadata={"help": "replace an existing output_dir"})
    progress: bool = field(default=True, metadata={"help": "show progress bars"})

    def __post_init__(self) -> None:
        for name in ("conversations_per_user", "rounds"):
            if getattr(self, name) < 1:
                raise ValueError(f"key '{name}': expected a positive integer, got {getattr(self, name)}")
        self.users = str(self.users)
        if self.users != "all" and not (self.users.isdigit() and int(self.users) >= 1):
            raise ValueError(f"key 'users': expected 'all' or a positive integer, got {self.users!r}")
        try:
            self.user_noise_model()
        except ValueError as err:
            key = "user_epsilon" if self.user_noise == "epsilon" else "user_temperature"
            raise ValueError(f"key '{key}': {err}") from None
        if not 0.0 < self.heldout_fraction < 1.0:
            raise ValueError(f"key 'heldout_fraction': expected a number in (0, 1), got {self.heldout_fraction}")

    def user_noise_model(self) -> Likelihood:
        return user_noise_model(self.user_noise, self.user_epsilon, self.user_temperature)


def select_users(config: GenerateConfig) -> np.ndarray:
    """Weights (U, F) of the users of `config.split`, all or `users` of them (seeded, id order)."""
    weights = split_user_weights(config.domain, config.split, config.heldout_fraction, config.split_seed)
    if config.users == "all":
        return weights
    n = int(config.users)
    if n > len(weights):
        raise ValueError(f"key 'users': the {config.split} split of {config.domain} has {len(weights)} users, asked for {n}")
    rng = np.random.default_rng(config.seed)
    return weights[np.sort(rng.choice(len(weights), size=n, replace=False))]


def make_assistant(config: GenerateConfig) -> BayesianAssistant:
    """The teacher: the paper's assistant by default; with `grid_prior`, the noise-aware one."""
    space = get_domain(config.domain)
    if config.grid_prior:
        try:
            return noise_aware_assistant(config.grid_prior, space, config.rule)
        except GridPriorError as err:
            raise GridPriorError(f"key 'grid_prior': {err}") from None
    likelihood = Likelihood(config.likelihood, epsilon=config.epsilon, temperature=config.temperature)
    return BayesianAssistant(space, likelihood=likelihood, rule=config.rule)


def build_columns(
    batch: ConversationBatch, template: DomainTemplate, config: GenerateConfig
) -> tuple[dict[str, list], str, list[str]]:
    """Columns of the dataset, its fingerprint and the data.jsonl lines, in one pass."""
    import hashlib

    columns: dict[str, list] = {c: [] for c in COLUMNS}
    fingerprint = hashlib.sha256()
    jsonl = []
    per_conversation = config.rounds if config.expand_prefixes else 1
    records = iter_records(batch, template, config.teaching, config.seed, config.expand_prefixes)
    for record in tqdm(records, total=len(batch) * per_conversation, desc="records", unit="rec",
                       disable=not config.progress, file=sys.stderr, mininterval=1.0):
        for c in COLUMNS:
            columns[c].append(record[c])
        fingerprint.update(canonical_line(record).encode() + b"\n")
        jsonl.append(json.dumps({"idx": record["idx"], "messages": record["messages"]}))
    return columns, fingerprint.hexdigest(), jsonl


def command_line(config: GenerateConfig) -> str:
    """A command that regenerates this dataset (every key that differs from the default)."""
    defaults = to_dict(GenerateConfig())
    args = ["python", "-m", "teacher", "generate"]
    for key, value in to_dict(config).items():
        if value != defaults[key] and key not in ("overwrite", "progress"):
            args += [f"--{key}", str(value).lower() if isinstance(value, bool) else str(value)]
    return shlex.join(args)


def main(config: GenerateConfig, command: str | None = None) -> dict[str, Any]:
    """Generate and write the dataset; return the manifest. `command` (for the card) defaults to
    the flags that reproduce `config`."""
    started = time.perf_counter()
    if not config.output_dir:
        raise ConfigError("key 'output_dir': required (the folder to write)")
    output_dir = Path(config.output_dir)
    check_output_dir(output_dir, config.overwrite)  # refuse before any work
    space = get_domain(config.domain)
    template = load_template(config.template or space.kind)
    assistant = make_assistant(config)
    weights = select_users(config)

    batch = simulate_conversations(assistant, weights, config.conversations_per_user, config.rounds,
                                   config.seed, progress=config.progress,
                                   user_noise=config.user_noise_model())
    columns, fingerprint, jsonl = build_columns(batch, template, config)
    n_records = len(columns["idx"])
    said = np.asarray(batch.bayes_predictions if config.teaching == "bayesian" else batch.picks)
    stats = {
        "records": n_records,
        "conversations": len(batch),
        "users": len(weights),
        "fingerprint": fingerprint,
        "bayes_agreement": float((said == batch.bayes_predictions).mean()),
        "bayes_accuracy_by_round": [round(float(a), 6) for a in
                                    (batch.bayes_predictions == batch.picks).mean(axis=0)],
    }
    with atomic_output_dir(output_dir, config.overwrite) as tmp:
        dataset = datasets.Dataset.from_dict(columns, features=FEATURES)
        bars_were_on = datasets.is_progress_bar_enabled()
        if not config.progress:
            datasets.disable_progress_bars()
        try:
            dataset.save_to_disk(str(tmp))
        finally:
            if bars_were_on:
                datasets.enable_progress_bars()
        with open(tmp / JSONL, "w") as fh:
            fh.write("\n".join(jsonl) + "\n")
        (tmp / "README.md").write_text(card_text(to_dict(config), stats, command or command_line(config)))
        stats["elapsed_s"] = round(time.perf_counter() - started, 2)
        manifest = write_run_metadata(
            tmp, STAGE, config, seed=config.seed,
            inputs={"template": template.source, "hypotheses": len(assistant.hypotheses),
                    **(grid_prior_id(config.grid_prior) if config.grid_prior else {})},
            extra=stats,
        )
    return manifest


def cli(argv: list[str] | None = None) -> int:
    prog = "python -m teacher generate"
    config = parse_config(GenerateConfig, argv, prog, __doc__ or "")
    try:
        manifest = main(config, command=shlex.join(["python", "-m", "teacher", "generate", *(sys.argv[1:] if argv is None else argv)]))
    except (ConfigError, DomainError, TemplateError, SchemaError, OutputExistsError, GridPriorError,
            ValueError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {manifest['records']} records ({manifest['conversations']} conversations of "
          f"{manifest['users']} users) to {config.output_dir} in {manifest['elapsed_s']} s; "
          f"fingerprint {manifest['fingerprint'][:16]}")
    return 0
