"""Training examples from a teacher dataset, in one of the two loss modes.

- all_assistant_turns: the whole conversations (the records with the most rounds) as `messages`;
  TRL's `assistant_only_loss` puts the loss on every assistant turn. Each conversation's 5
  prefix records carry the same 5 targets, so this reads the targets once, at ~1/3 of the tokens.
- final_turn: every prefix record as prompt (all turns but the last) / completion (the last
  assistant turn); TRL's completion-only loss puts the loss on that turn alone.
"""

from __future__ import annotations

from pathlib import Path

import datasets

from teacher.dataset import DatasetError, dataset_fingerprint, load_teacher_dataset


class TeacherDataError(ValueError):
    """The teacher dataset is missing or unusable; the message names the folder."""


def load_teacher(path: str | Path | None) -> tuple[datasets.Dataset, str]:
    """The validated teacher dataset and its content fingerprint (from its manifest)."""
    if path is None:
        raise TeacherDataError(
            "teacher_dataset: not set; give the folder written by `python -m teacher generate` "
            "(e.g. --teacher_dataset outputs/teacher/flight_bayesian)"
        )
    try:
        dataset = load_teacher_dataset(path)
        fingerprint = dataset_fingerprint(path)
    except DatasetError as err:
        raise TeacherDataError(f"teacher_dataset: {err}") from None
    if len(dataset) == 0:
        raise TeacherDataError(f"teacher_dataset: {path} holds no records")
    return dataset, fingerprint


def _as_prompt_completion(record: dict) -> dict:
    messages = record["messages"]
    return {"prompt": messages[:-1], "completion": messages[-1:]}


def training_examples(
    dataset: datasets.Dataset, loss_on: str, max_records: int | None = None
) -> datasets.Dataset:
    """The columns TRL's SFTTrainer reads for `loss_on` (see the module docstring)."""
    if loss_on == "all_assistant_turns":
        longest = max(dataset["num_rounds"])
        dataset = dataset.filter(lambda n: n == longest, input_columns="num_rounds")
        dataset = dataset.select_columns(["messages"])
    elif loss_on == "final_turn":
        dataset = dataset.map(
            _as_prompt_completion, remove_columns=dataset.column_names, desc="prompt/completion"
        )
    else:
        raise ValueError(f"loss_on: expected all_assistant_turns or final_turn, got {loss_on!r}")
    if max_records is not None:
        dataset = dataset.select(range(min(max_records, len(dataset))))
    return dataset
