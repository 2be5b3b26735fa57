"""Reading a teacher dataset folder written by `python -m teacher generate`.

The folder holds a Hugging Face dataset (`datasets.load_from_disk` works on the folder itself),
`data.jsonl` (the release's {"idx", "messages"} form), `README.md` (dataset card), `config.yaml`
and `manifest.json`. The manifest's `fingerprint` identifies the content: the sha256 of the
canonical JSON (sorted keys) of every record, one per line, in order — the same config and seed
give the same fingerprint on any machine.

    from teacher.dataset import load_teacher_dataset, dataset_fingerprint
    ds = load_teacher_dataset("data/teacher/flight_bayesian")   # checks a sample of records
    fp = dataset_fingerprint("data/teacher/flight_bayesian")    # from the manifest
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import datasets
import numpy as np

from teacher.schema import COLUMNS, SchemaError, validate_record

MANIFEST = "manifest.json"
JSONL = "data.jsonl"
# Records checked by `load_teacher_dataset` by default: evenly spread, first and last included.
# Checking all 31,200 takes ~10 s; `validate=None` does it.
DEFAULT_VALIDATE_SAMPLE = 200


class DatasetError(ValueError):
    """A teacher dataset folder is missing, is not a dataset, or fails the schema."""


def canonical_line(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def records_fingerprint(records: Iterable[dict[str, Any]]) -> str:
    """sha256 of the canonical JSON of each record (every column), one per line, in order."""
    h = hashlib.sha256()
    for record in records:
        h.update(canonical_line({k: record[k] for k in COLUMNS}).encode())
        h.update(b"\n")
    return h.hexdigest()


def read_manifest(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    file = path / MANIFEST
    if not file.is_file():
        raise DatasetError(f"{path}: no {MANIFEST} (not written by `python -m teacher generate`?)")
    try:
        manifest = json.loads(file.read_text())
    except json.JSONDecodeError as err:
        raise DatasetError(f"{file}: not valid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(manifest, dict):
        raise DatasetError(f"{file}: expected a JSON object")
    return manifest


def dataset_fingerprint(path: str | Path) -> str:
    """The content fingerprint recorded in the folder's manifest."""
    manifest = read_manifest(path)
    if not isinstance(manifest.get("fingerprint"), str):
        raise DatasetError(f"{Path(path) / MANIFEST}: missing key 'fingerprint'")
    return manifest["fingerprint"]


def sample_indices(n: int, sample: int | None) -> list[int]:
    if sample is None or sample >= n:
        return list(range(n))
    return sorted({int(i) for i in np.linspace(0, n - 1, num=max(sample, 2))})


def load_teacher_dataset(path: str | Path, validate: int | None = DEFAULT_VALIDATE_SAMPLE) -> datasets.Dataset:
    """The dataset in `path`, after checking its columns and `validate` records spread over it
    (all of them when `validate` is None, none when 0). Raises DatasetError naming the folder."""
    path = Path(path)
    if not path.is_dir():
        raise DatasetError(f"{path}: no such folder (generate it with `python -m teacher generate`)")
    try:
        ds = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError, OSError) as err:
        raise DatasetError(f"{path}: not a saved Hugging Face dataset ({err})") from None
    if not isinstance(ds, datasets.Dataset):
        raise DatasetError(f"{path}: expected a single dataset, found a {type(ds).__name__}")
    missing = [c for c in COLUMNS if c not in ds.column_names]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {', '.join(missing)}")
    if validate != 0:
        for i in sample_indices(len(ds), validate):
            try:
                validate_record(ds[i], where=f"{path} record {i}")
            except SchemaError as err:
                raise DatasetError(str(err)) from None
    return ds
