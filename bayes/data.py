"""Numbers from the paper's released interaction files (JSON lines).

Each line: {"idx", "reward_fn": [F weights] (optional for human data), "rounds": [{"options":
[text...], "user_idx": int}, ...], "features": [names], "rounds_numpy": [R][O][F]}. This reader
keeps the numbers (features, picks, stated weights); teacher/ adds the text. Errors name the file
and line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class DataError(ValueError):
    pass


@dataclass
class ChoiceData:
    """N users' recorded choices: options (N, R, O, F), picks (N, R), stated weights (N, F) or None."""

    source: str
    features: tuple[str, ...]
    idx: np.ndarray  # (N,)
    options: np.ndarray  # (N, R, O, F)
    picks: np.ndarray  # (N, R)
    weights: np.ndarray | None  # (N, F), the stated reward_fn when every line has one
    option_texts: list[list[list[str]]]  # [N][R][O]

    def __len__(self) -> int:
        return len(self.picks)


def _fail(path: Path, line: int, message: str) -> DataError:
    return DataError(f"{path}:{line}: {message}")


def read_interaction_jsonl(path: str | Path, require_features: bool = True) -> ChoiceData:
    """Read a released interaction file; every line is checked for shape and type."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    idx, options, picks, weights, texts = [], [], [], [], []
    features: tuple[str, ...] | None = None
    with path.open() as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise _fail(path, n, f"not valid JSON ({err.msg} at column {err.colno})") from None
            if not isinstance(rec, dict) or not isinstance(rec.get("rounds"), list) or not rec["rounds"]:
                raise _fail(path, n, "expected an object with a non-empty list 'rounds'")
            try:
                round_picks = [int(r["user_idx"]) for r in rec["rounds"]]
                round_texts = [list(map(str, r["options"])) for r in rec["rounds"]]
            except (KeyError, TypeError, ValueError):
                raise _fail(path, n, "each round needs 'options' (list of text) and 'user_idx' (int)") from None
            if "rounds_numpy" not in rec:
                if require_features:
                    raise _fail(path, n, "missing 'rounds_numpy' (the option features)")
                values = None
            else:
                try:
                    values = np.asarray(rec["rounds_numpy"], dtype=np.float64)
                except (TypeError, ValueError):
                    raise _fail(path, n, "'rounds_numpy' must be a numeric [rounds][options][features] array") from None
                if values.ndim != 3 or values.shape[0] != len(rec["rounds"]):
                    raise _fail(path, n, f"'rounds_numpy' has shape {values.shape}, expected "
                                         f"({len(rec['rounds'])}, options, features)")
                names = tuple(rec.get("features") or ())
                if names and len(names) != values.shape[2]:
                    raise _fail(path, n, f"{len(names)} feature names for {values.shape[2]} feature columns")
                if features is None:
                    features = names
                elif names and names != features:
                    raise _fail(path, n, f"features {list(names)} differ from earlier lines' {list(features)}")
            for r, (pick, opts) in enumerate(zip(round_picks, round_texts, strict=True)):
                n_options = values.shape[1] if values is not None else len(opts)
                if not 0 <= pick < n_options:
                    raise _fail(path, n, f"rounds[{r}].user_idx={pick} is not an option index (0..{n_options - 1})")
            if "reward_fn" in rec and rec["reward_fn"] is not None:
                w = np.asarray(rec["reward_fn"], dtype=np.float64)
                if values is not None and w.shape != (values.shape[2],):
                    raise _fail(path, n, f"'reward_fn' has {w.size} weights, expected {values.shape[2]}")
                weights.append(w)
            idx.append(int(rec.get("idx", len(idx))))
            options.append(values)
            picks.append(round_picks)
            texts.append(round_texts)
    if not picks:
        raise DataError(f"{path}: no records")
    if len({len(p) for p in picks}) != 1:
        raise DataError(f"{path}: records have different numbers of rounds")
    have_values = all(o is not None for o in options)
    return ChoiceData(
        source=str(path),
        features=features or (),
        idx=np.asarray(idx),
        options=np.stack(options) if have_values else np.empty((len(picks), 0)),
        picks=np.asarray(picks, dtype=np.int64),
        weights=np.stack(weights) if len(weights) == len(picks) else None,
        option_texts=texts,
    )
