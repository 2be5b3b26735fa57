"""The one place dataset schemas live: teaching records (what student/ trains on and eval/ reads).

A record is one conversation prefix: `messages` (role/content, usable by TRL and the
alignment-handbook as they are) plus provenance columns. `validate_record` is the check other
stages call; it raises `SchemaError` naming the record and the field.
"""

from __future__ import annotations

from typing import Any

import datasets

SCHEMA_VERSION = 1
TEACHING_TYPES = ("bayesian", "oracle")

MESSAGE = {"role": datasets.Value("string"), "content": datasets.Value("string")}

FEATURES = datasets.Features(
    {
        "idx": datasets.Value("int64"),
        "messages": datasets.List(MESSAGE),
        "domain": datasets.Value("string"),
        "user_id": datasets.Value("int64"),
        "conversation": datasets.Value("int64"),
        "num_rounds": datasets.Value("int64"),
        "weights": datasets.List(datasets.Value("float64")),
        # options[r][o][f]: normalized feature values of option o in round r
        "options": datasets.List(datasets.List(datasets.List(datasets.Value("float64")))),
        "user_picks": datasets.List(datasets.Value("int64")),
        "assistant_picks": datasets.List(datasets.Value("int64")),
        "bayes_predictions": datasets.List(datasets.Value("int64")),
        # bayes_predictive[r][o]: the Bayesian posterior predictive before round r (soft labels)
        "bayes_predictive": datasets.List(datasets.List(datasets.Value("float64"))),
        "teaching": datasets.Value("string"),
        "seed": datasets.Value("int64"),
        "schema_version": datasets.Value("int64"),
    }
)

COLUMNS = tuple(FEATURES)


class SchemaError(ValueError):
    pass


def validate_record(record: dict[str, Any], where: str = "record") -> None:
    """Raise SchemaError if `record` is not a well-formed teaching record."""
    missing = [c for c in COLUMNS if c not in record]
    if missing:
        raise SchemaError(f"{where}: missing column(s) {', '.join(missing)}")
    if record["schema_version"] != SCHEMA_VERSION:
        raise SchemaError(
            f"{where}: schema_version {record['schema_version']}, expected {SCHEMA_VERSION}"
        )
    if record["teaching"] not in TEACHING_TYPES:
        raise SchemaError(f"{where}: teaching {record['teaching']!r}, expected one of {TEACHING_TYPES}")
    messages = record["messages"]
    if not isinstance(messages, list) or not messages:
        raise SchemaError(f"{where}: messages must be a non-empty list")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or set(m) != {"role", "content"}:
            raise SchemaError(f"{where}: messages[{i}] must have exactly 'role' and 'content'")
        expected = "user" if i % 2 == 0 else "assistant"
        if m["role"] != expected:
            raise SchemaError(f"{where}: messages[{i}] has role {m['role']!r}, expected {expected!r}")
        if not isinstance(m["content"], str) or not m["content"]:
            raise SchemaError(f"{where}: messages[{i}] has empty content")
    n = record["num_rounds"]
    if len(messages) != 2 * n:
        raise SchemaError(f"{where}: {len(messages)} messages for {n} rounds, expected {2 * n}")
    for key in ("options", "user_picks", "assistant_picks", "bayes_predictions", "bayes_predictive"):
        if len(record[key]) != n:
            raise SchemaError(f"{where}: {key} has {len(record[key])} rounds, expected {n}")
    n_features = len(record["weights"])
    for r, option_set in enumerate(record["options"]):
        if any(len(o) != n_features for o in option_set):
            raise SchemaError(f"{where}: options[{r}] rows must have {n_features} features")
        n_options = len(option_set)
        for key in ("user_picks", "assistant_picks", "bayes_predictions"):
            if not 0 <= record[key][r] < n_options:
                raise SchemaError(f"{where}: {key}[{r}]={record[key][r]} is not an option index")
        p = record["bayes_predictive"][r]
        if len(p) != n_options or abs(sum(p) - 1.0) > 1e-6:
            raise SchemaError(f"{where}: bayes_predictive[{r}] must be {n_options} probabilities")
    expected_picks = record["bayes_predictions"] if record["teaching"] == "bayesian" else record["user_picks"]
    if list(record["assistant_picks"]) != list(expected_picks):
        raise SchemaError(f"{where}: assistant_picks do not follow the {record['teaching']} teacher")


def validate_dataset(dataset: datasets.Dataset, where: str = "dataset", limit: int | None = None) -> None:
    """Check the columns and validate the first `limit` records (all when None)."""
    missing = [c for c in COLUMNS if c not in dataset.column_names]
    if missing:
        raise SchemaError(f"{where}: missing column(s) {', '.join(missing)}")
    n = len(dataset) if limit is None else min(limit, len(dataset))
    for i in range(n):
        validate_record(dataset[i], where=f"{where} record {i}")
