"""Loaders for the paper's released evaluation files, into the in-memory forms the simulator
produces, so evaluation runs on released and simulated conversations alike.

- `load_interactions(path, assistant=None) -> ConversationBatch`: an interaction JSONL (flight,
  its feature variants, hotel, human users). The domain comes from the line's `features` names
  (or, without them, the option text and the number of feature columns). The Bayesian
  predictions and predictive are recomputed with a `BayesianAssistant` (default: the paper's,
  indicator likelihood, posterior-mean rule) from the recorded picks. Human files may lack
  `reward_fn` (weights are then NaN, user ids -1) or `seed`, and picks may not be the argmax of
  `reward_fn`; `batch.inconsistent` flags conversations whose picks no hypothesis explains.
- `load_heldout(path, domain=None) -> HeldoutSets`: a flight/hotel held-out JSON file:
  `all_options` (the option sets) and `user_idxs` (each user's `reward_fn` and preferred `idxs`).
  An option set may be a list of option strings, an object with `options` (strings), or a numeric
  [options][features] array; strings are parsed back to feature values with the domain template.
- `load_webshop(path_or_dir) -> WebshopBatch`: web-shopping interaction JSONL (one file per
  category; a folder loads every *.jsonl in name order). Options stay text; scores and picks kept.
- `load_webshop_heldout(path) -> WebshopHeldout`: web-shopping held-out JSONL (one line per user,
  `all_options`: [{options, user_idx, score}, ...]).

Every malformed line or key raises `LoaderError` naming the file and line (or key).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bayes.data import DataError, read_interaction_jsonl
from bayes.domains import DOMAINS, DomainError, FeatureSpace, domain_for_features, get_domain
from bayes.hypotheses import WEIGHT_LEVELS, user_ids
from bayes.posterior import BayesianAssistant
from teacher.conversations import ConversationBatch, bayes_predictions
from teacher.render import TemplateError, load_template


class LoaderError(ValueError):
    pass


# -- interaction files (flight, variants, hotel, humans) ------------------------------------------

def _kind_of_text(text: str, where: str) -> str:
    for kind in ("flight", "hotel"):
        if text.startswith(load_template(kind).item + " "):
            return kind
    raise LoaderError(f"{where}: options start neither with 'Flight' nor 'Hotel': {text[:40]!r}")


def infer_space(features: tuple[str, ...], num_features: int, first_option: str, where: str) -> FeatureSpace:
    """The domain of a released file, from its feature names or else its text and width."""
    kind = _kind_of_text(first_option, where)
    if features:
        try:
            return domain_for_features(kind, features)
        except DomainError as err:
            raise LoaderError(f"{where}: {err}") from None
    candidates = [s for s in DOMAINS.values() if s.kind == kind and s.num_features == num_features]
    if not candidates:
        raise LoaderError(f"{where}: no {kind} domain has {num_features} features")
    return candidates[0]


def _on_grid(weights: np.ndarray) -> bool:
    return bool(np.isin(weights, WEIGHT_LEVELS).all() and np.any(weights != 0, axis=-1).all())


def load_interactions(path: str | Path, assistant: BayesianAssistant | None = None) -> ConversationBatch:
    """A released interaction JSONL as a ConversationBatch (one conversation per line)."""
    path = Path(path)
    try:
        data = read_interaction_jsonl(path)
    except DataError as err:
        raise LoaderError(str(err)) from None
    space = infer_space(data.features, data.options.shape[-1], data.option_texts[0][0][0], str(path))
    try:
        space.validate_options(data.options, where=f"{path}: rounds_numpy")
    except DomainError as err:
        raise LoaderError(str(err)) from None
    assistant = assistant or BayesianAssistant(space)
    if assistant.space.features != space.features:
        raise LoaderError(f"{path}: the file is {space.name}, the assistant is for {assistant.space.name}")
    n = len(data)
    weights = data.weights if data.weights is not None else np.full((n, space.num_features), np.nan)
    ids = user_ids(space, weights) if data.weights is not None and _on_grid(weights) else np.full(n, -1)
    predictions, predictive, inconsistent = bayes_predictions(
        assistant, data.options, data.picks, return_inconsistent=True
    )
    return ConversationBatch(
        space=space,
        user_ids=np.asarray(ids, dtype=np.int64),
        conversation_index=np.zeros(n, dtype=np.int64),
        weights=weights,
        options=data.options,
        picks=data.picks,
        bayes_predictions=predictions,
        bayes_predictive=predictive,
        source=str(path),
        idx=data.idx,
        option_texts=data.option_texts,
        inconsistent=inconsistent,
    )


# -- held-out option sets (flight, hotel) -----------------------------------------------------------

@dataclass
class HeldoutSets:
    """S option sets shared by U users: options (S, O, F), weights (U, F), picks (U, S)."""

    source: str
    space: FeatureSpace
    options: np.ndarray
    option_texts: list[list[str]] | None  # [S][O] when the file gives text
    weights: np.ndarray
    picks: np.ndarray

    def __len__(self) -> int:
        return len(self.options)


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise LoaderError(f"{path}: file not found")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise LoaderError(f"{path}:{err.lineno}: not valid JSON ({err.msg} at column {err.colno})") from None


def _option_strings(item: Any) -> list[str] | None:
    if isinstance(item, dict):
        item = item.get("options")
    if isinstance(item, list) and item and all(isinstance(t, str) for t in item):
        return item
    return None


def load_heldout(path: str | Path, domain: str | None = None) -> HeldoutSets:
    """A released flight/hotel held-out JSON file; `domain` overrides the inferred one."""
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("all_options"), list) or not data["all_options"]:
        raise LoaderError(f"{path}: expected an object with a non-empty list 'all_options'")
    if not isinstance(data.get("user_idxs"), list) or not data["user_idxs"]:
        raise LoaderError(f"{path}: expected a non-empty list 'user_idxs'")
    sets = data["all_options"]
    texts = [_option_strings(item) for item in sets]
    if all(t is not None for t in texts):
        space = get_domain(domain) if domain else infer_space(
            tuple(data.get("features") or ()), _count_attributes(texts[0][0]), texts[0][0], str(path))
        template = load_template(space.kind)
        options = []
        for s, lines in enumerate(texts):
            try:
                options.append([template.parse_option_line(line, space)[1] for line in lines])
            except TemplateError as err:
                raise LoaderError(f"{path}: all_options[{s}]: {err}") from None
        option_texts: list[list[str]] | None = texts  # type: ignore[assignment]
    else:
        try:
            options = np.asarray(sets, dtype=np.float64)
        except (TypeError, ValueError):
            bad = next(i for i, t in enumerate(texts) if t is None)
            raise LoaderError(f"{path}: all_options[{bad}]: expected option strings or a numeric "
                              "[options][features] array") from None
        if options.ndim != 3:
            raise LoaderError(f"{path}: all_options has shape {options.shape}, expected (sets, options, features)")
        if domain is None:
            raise LoaderError(f"{path}: numeric all_options need the domain (pass domain=...)")
        space = get_domain(domain)
        option_texts = None
    try:
        options = space.validate_options(np.asarray(options, dtype=np.float64), where=f"{path}: all_options")
    except DomainError as err:
        raise LoaderError(str(err)) from None
    n_sets, n_options = options.shape[:2]
    weights, picks = [], []
    for u, user in enumerate(data["user_idxs"]):
        where = f"{path}: user_idxs[{u}]"
        if not isinstance(user, dict) or "idxs" not in user or "reward_fn" not in user:
            raise LoaderError(f"{where}: expected an object with 'reward_fn' and 'idxs'")
        try:
            w = np.asarray(user["reward_fn"], dtype=np.float64)
            p = np.asarray(user["idxs"], dtype=np.int64)
        except (TypeError, ValueError):
            raise LoaderError(f"{where}: 'reward_fn' must be numbers and 'idxs' integers") from None
        if w.shape != (space.num_features,):
            raise LoaderError(f"{where}: 'reward_fn' has {w.size} weights, expected {space.num_features}")
        if p.shape != (n_sets,) or p.min() < 0 or p.max() >= n_options:
            raise LoaderError(f"{where}: 'idxs' must be {n_sets} option indices in 0..{n_options - 1}")
        weights.append(w)
        picks.append(p)
    return HeldoutSets(str(path), space, options, option_texts, np.stack(weights), np.stack(picks))


def _count_attributes(line: str) -> int:
    # "Flight 1: a: x, b: y" → the number of "label: " pairs after the option name.
    return len(re.findall(r"(?:^|, )[a-z][a-z ]*: ", line.split(": ", 1)[1])) if ": " in line else 0


# -- web shopping ---------------------------------------------------------------------------------

@dataclass
class WebshopBatch:
    """N web-shopping conversations of R rounds with O text options and their scores."""

    source: str
    categories: list[str]  # (N,) the category (file name) of each conversation
    idx: np.ndarray  # (N,)
    goal_attrs: list[list[str]]
    goal_options: list[dict[str, str]]
    option_texts: list[list[list[str]]]  # [N][R][O] "Product k: <title>\nColor: ..."
    scores: np.ndarray  # (N, R, O) the user's reward of each option
    picks: np.ndarray  # (N, R) the user's pick (the highest score in the release)

    def __len__(self) -> int:
        return len(self.picks)

    @property
    def num_rounds(self) -> int:
        return self.scores.shape[1]


def _scored_set(item: Any, where: str) -> tuple[list[str], list[float], int]:
    if not isinstance(item, dict):
        raise LoaderError(f"{where}: expected an object with 'options', 'user_idx' and 'score'")
    options, score, pick = item.get("options"), item.get("score"), item.get("user_idx")
    if not isinstance(options, list) or not options or not all(isinstance(t, str) for t in options):
        raise LoaderError(f"{where}: 'options' must be a non-empty list of strings")
    if not isinstance(score, list) or len(score) != len(options) or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in score):
        raise LoaderError(f"{where}: 'score' must be {len(options)} numbers")
    if not isinstance(pick, int) or isinstance(pick, bool) or not 0 <= pick < len(options):
        raise LoaderError(f"{where}: 'user_idx' must be an option index in 0..{len(options) - 1}")
    return options, [float(x) for x in score], pick


def _jsonl(path: Path):
    if not path.is_file():
        raise LoaderError(f"{path}: file not found")
    with path.open() as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise LoaderError(f"{path}:{n}: not valid JSON ({err.msg} at column {err.colno})") from None
            if not isinstance(rec, dict):
                raise LoaderError(f"{path}:{n}: expected a JSON object")
            yield n, rec


def _rectangular(values: list, path: Path, what: str) -> np.ndarray:
    shapes = {np.shape(v) for v in values}
    if len(shapes) != 1:
        raise LoaderError(f"{path}: {what} differ in shape across lines ({sorted(shapes)})")
    return np.asarray(values)


def load_webshop(path_or_dir: str | Path) -> WebshopBatch:
    """Web-shopping interaction JSONL: one file, or every *.jsonl of a folder (name order)."""
    path = Path(path_or_dir)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise LoaderError(f"{path}: no *.jsonl files")
    categories, idx, attrs, goals, texts, scores, picks = [], [], [], [], [], [], []
    for file in files:
        for n, rec in _jsonl(file):
            where = f"{file}:{n}"
            rounds = rec.get("rounds")
            if not isinstance(rounds, list) or not rounds:
                raise LoaderError(f"{where}: expected a non-empty list 'rounds'")
            parsed = [_scored_set(r, f"{where}: rounds[{i}]") for i, r in enumerate(rounds)]
            if not isinstance(rec.get("goal_attrs", []), list) or not isinstance(rec.get("goal_options", {}), dict):
                raise LoaderError(f"{where}: 'goal_attrs' must be a list and 'goal_options' an object")
            categories.append(file.stem)
            idx.append(int(rec.get("idx", len(idx))))
            attrs.append(list(rec.get("goal_attrs", [])))
            goals.append(dict(rec.get("goal_options", {})))
            texts.append([p[0] for p in parsed])
            scores.append([p[1] for p in parsed])
            picks.append([p[2] for p in parsed])
    if not picks:
        raise LoaderError(f"{path}: no records")
    return WebshopBatch(
        source=str(path), categories=categories, idx=np.asarray(idx), goal_attrs=attrs,
        goal_options=goals, option_texts=texts,
        scores=_rectangular(scores, path, "rounds/options").astype(np.float64),
        picks=_rectangular(picks, path, "rounds").astype(np.int64),
    )


@dataclass
class WebshopHeldout:
    """Per-user held-out sets: option_texts [N][S][O], scores (N, S, O), picks (N, S)."""

    source: str
    option_texts: list[list[list[str]]]
    scores: np.ndarray
    picks: np.ndarray

    def __len__(self) -> int:
        return len(self.picks)


def load_webshop_heldout(path: str | Path) -> WebshopHeldout:
    """A web-shopping held-out JSONL file: one line per user with `all_options`."""
    path = Path(path)
    texts, scores, picks = [], [], []
    for n, rec in _jsonl(path):
        sets = rec.get("all_options")
        if not isinstance(sets, list) or not sets:
            raise LoaderError(f"{path}:{n}: expected a non-empty list 'all_options'")
        parsed = [_scored_set(s, f"{path}:{n}: all_options[{i}]") for i, s in enumerate(sets)]
        texts.append([p[0] for p in parsed])
        scores.append([p[1] for p in parsed])
        picks.append([p[2] for p in parsed])
    if not picks:
        raise LoaderError(f"{path}: no records")
    return WebshopHeldout(str(path), texts, _rectangular(scores, path, "all_options").astype(np.float64),
                          _rectangular(picks, path, "all_options").astype(np.int64))
