"""`python -m teacher show`: print records of a teacher dataset as readable conversations,
with their provenance (user, weights, picks, the Bayesian predictions and predictive)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bayes.cli import run_stage
from teacher.dataset import DatasetError, load_teacher_dataset


@dataclass
class ShowConfig:
    dataset_dir: str = field(default="", metadata={"help": "a folder written by `python -m teacher generate`"})
    index: int = field(default=0, metadata={"help": "first record to print"})
    count: int = field(default=1, metadata={"help": "how many records to print"})

    def __post_init__(self) -> None:
        if self.index < 0 or self.count < 1:
            raise ValueError("keys 'index' >= 0 and 'count' >= 1 expected")


def format_record(record: dict[str, Any]) -> str:
    predictive = ["[" + ", ".join(f"{p:.2f}" for p in row) + "]" for row in record["bayes_predictive"]]
    lines = [
        f"=== record {record['idx']}: {record['teaching']} teaching, {record['domain']}, user "
        f"{record['user_id']} (weights {record['weights']}), conversation {record['conversation']}, "
        f"{record['num_rounds']} round(s), seed {record['seed']}",
        f"    user picks {record['user_picks']}, assistant said {record['assistant_picks']}, "
        f"Bayesian predictions {record['bayes_predictions']} (0-based)",
        f"    Bayesian predictive: {' '.join(predictive)}",
    ]
    for m in record["messages"]:
        lines.append(f"--- {m['role']}")
        lines.append(m["content"])
    return "\n".join(lines)


def main(config: ShowConfig) -> None:
    if not config.dataset_dir:
        raise DatasetError("key 'dataset_dir': required")
    ds = load_teacher_dataset(config.dataset_dir, validate=0)
    if config.index >= len(ds):
        raise DatasetError(f"{config.dataset_dir}: index {config.index} out of range (0..{len(ds) - 1})")
    for i in range(config.index, min(len(ds), config.index + config.count)):
        print(format_record(ds[i]))
        print()


def cli(argv: list[str] | None = None) -> int:
    return run_stage("python -m teacher show", ShowConfig, main, argv, __doc__ or "")[0]
