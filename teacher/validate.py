"""`python -m teacher validate`: check a teacher dataset folder — every record against the schema
(or a sample), the content fingerprint against the manifest, data.jsonl against the messages,
and the teacher: Bayesian records' assistant turns re-derived from their own text with the
Bayesian Assistant (oracle records: the user's pick, every feedback correct)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from bayes.cli import run_stage
from bayes.domains import get_domain
from bayes.noise_prior import GridPriorError
from bayes.posterior import BayesianAssistant
from teacher.dataset import (
    JSONL,
    DatasetError,
    dataset_fingerprint,
    load_teacher_dataset,
    records_fingerprint,
    sample_indices,
)
from teacher.render import TemplateError, load_template


@dataclass
class ValidateConfig:
    dataset_dir: str = field(default="", metadata={"help": "a folder written by `python -m teacher generate`"})
    sample: int = field(default=0, metadata={"help": "records to check (0: all of them)"})
    progress: bool = field(default=True, metadata={"help": "show progress bars"})


def replay_text(record: dict, template, space) -> tuple[np.ndarray, list[int], list[int]]:
    """Option features, assistant answers and user preferences read back from the messages."""
    messages = record["messages"]
    options, said, preferred = [], [], []
    for r in range(record["num_rounds"]):
        user = messages[2 * r]["content"].split("\n")
        lines = [line for line in user if line.startswith(template.item + " ")]
        options.append([template.parse_option_line(line, space)[1] for line in lines])
        said.append(template.parse_answer(messages[2 * r + 1]["content"], len(lines)))
        if r + 1 < record["num_rounds"]:
            feedback = messages[2 * r + 2]["content"].split("\n")[0]
            preferred.append(template.parse_answer(feedback, len(lines)))
    return np.asarray(options), said, preferred


def folder_assistant(dataset_dir: str) -> BayesianAssistant:
    """The assistant the folder's config.yaml names (rule, likelihood); the paper's without one."""
    from bayes.config import ConfigError, config_from_file
    from teacher.generate import GenerateConfig, make_assistant

    path = Path(dataset_dir) / "config.yaml"
    if not path.is_file():
        return BayesianAssistant(get_domain("flight"))
    try:
        return make_assistant(config_from_file(GenerateConfig, path))
    except (ConfigError, GridPriorError) as err:
        raise DatasetError(str(err)) from None


def check_teacher(ds, indices, progress: bool, where: str) -> None:
    """Bayesian: each assistant answer equals the prediction of the folder's assistant from the
    earlier rounds' text (paper: rule mean, indicator likelihood); oracle: the user's pick."""
    configured = folder_assistant(where)
    cache: dict[str, tuple] = {}
    for i in tqdm(indices, desc="teacher", unit="rec", disable=not progress, file=sys.stderr):
        rec = ds[i]
        if rec["domain"] not in cache:
            space = get_domain(rec["domain"])
            prior = configured.prior if configured.space.name == space.name else None
            assistant = BayesianAssistant(space, likelihood=configured.likelihood, rule=configured.rule,
                                          prior=prior)
            cache[rec["domain"]] = (space, load_template(space.kind), assistant)
        space, template, assistant = cache[rec["domain"]]
        options, said, preferred = replay_text(rec, template, space)
        if rec["teaching"] == "oracle":
            if any("incorrect" in m["content"] for m in rec["messages"][2::2]):
                raise DatasetError(f"{where} record {i}: an oracle feedback says incorrect")
            continue
        belief = assistant.initial(1)
        for r in range(len(said)):
            expected = int(assistant.predict(belief, options[r][None])[0])
            if said[r] != expected:
                raise DatasetError(f"{where} record {i} round {r + 1}: the assistant says option "
                                   f"{said[r]}, the Bayesian Assistant predicts {expected}")
            if r < len(preferred):
                belief = assistant.update(belief, options[r][None], np.asarray([preferred[r]]))


def main(config: ValidateConfig) -> dict:
    if not config.dataset_dir:
        raise DatasetError("key 'dataset_dir': required")
    sample = None if config.sample == 0 else config.sample
    ds = load_teacher_dataset(config.dataset_dir, validate=sample)
    expected = dataset_fingerprint(config.dataset_dir)
    found = records_fingerprint(tqdm(ds, desc="fingerprint", unit="rec", disable=not config.progress,
                                     file=sys.stderr))
    if found != expected:
        raise DatasetError(f"{config.dataset_dir}: content fingerprint {found[:16]} differs from the "
                           f"manifest's {expected[:16]} (the data was changed after generation)")
    jsonl = f"{config.dataset_dir}/{JSONL}"
    with open(jsonl) as fh:
        for n, (line, messages) in enumerate(zip(fh, ds["messages"], strict=False), start=1):
            if json.loads(line)["messages"] != messages:
                raise DatasetError(f"{jsonl}:{n}: messages differ from the dataset's record {n - 1}")
    try:
        check_teacher(ds, sample_indices(len(ds), sample), config.progress, config.dataset_dir)
    except TemplateError as err:
        raise DatasetError(f"{config.dataset_dir}: {err}") from None
    result = {"records": len(ds), "fingerprint": found, "checked": len(sample_indices(len(ds), sample))}
    print(f"{config.dataset_dir}: OK ({result['records']} records, {result['checked']} checked "
          f"against the schema and the teacher; fingerprint {found[:16]} matches the manifest)")
    return result


def cli(argv: list[str] | None = None) -> int:
    return run_stage("python -m teacher validate", ValidateConfig, main, argv, __doc__ or "")[0]
