"""Teaching records from simulated conversations: Bayesian teaching (the assistant says what the
Bayesian Assistant predicts, early mistakes included) or oracle teaching (it says the user's pick).

Each conversation of R rounds becomes R records, its prefixes ending after round 1..R, as in the
release (`expand_prefixes=False` keeps only the whole conversation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from teacher.conversations import ConversationBatch
from teacher.render import DomainTemplate, conversation_messages
from teacher.schema import SCHEMA_VERSION, TEACHING_TYPES


def assistant_picks(batch: ConversationBatch, teaching: str) -> np.ndarray:
    if teaching not in TEACHING_TYPES:
        raise ValueError(f"teaching: expected one of {', '.join(TEACHING_TYPES)}, got {teaching!r}")
    return batch.bayes_predictions if teaching == "bayesian" else batch.picks


def iter_records(
    batch: ConversationBatch,
    template: DomainTemplate,
    teaching: str,
    seed: int,
    expand_prefixes: bool = True,
    start_idx: int = 0,
) -> Iterator[dict[str, Any]]:
    """Yield schema records (see teacher/schema.py), numbered from `start_idx`."""
    said = assistant_picks(batch, teaching)
    idx = start_idx
    for c in range(len(batch)):
        rounds = [template.option_lines(batch.options[c, r], batch.space) for r in range(batch.num_rounds)]
        full = conversation_messages(template, rounds, said[c], batch.picks[c])
        ends = range(1, batch.num_rounds + 1) if expand_prefixes else [batch.num_rounds]
        for n in ends:
            yield {
                "idx": idx,
                "messages": full[: 2 * n],
                "domain": batch.space.name,
                "user_id": int(batch.user_ids[c]),
                "conversation": int(batch.conversation_index[c]),
                "num_rounds": n,
                "weights": batch.weights[c].tolist(),
                "options": batch.options[c, :n].tolist(),
                "user_picks": batch.picks[c, :n].tolist(),
                "assistant_picks": said[c, :n].tolist(),
                "bayes_predictions": batch.bayes_predictions[c, :n].tolist(),
                "bayes_predictive": batch.bayes_predictive[c, :n].tolist(),
                "teaching": teaching,
                "seed": int(seed),
                "schema_version": SCHEMA_VERSION,
            }
            idx += 1
