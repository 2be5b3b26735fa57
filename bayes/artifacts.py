"""Outputs every stage writes the same way: atomically, never over an existing result without
`overwrite`, with the resolved config and a manifest (versions, seed, git revision, input ids)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from bayes.config import to_dict

TRACKED_PACKAGES = (
    "numpy", "torch", "transformers", "trl", "accelerate", "datasets", "peft",
    "tokenizers", "pymc", "pytensor", "arviz",
)


class OutputExistsError(FileExistsError):
    pass


def git_revision(cwd: str | Path | None = None) -> str | None:
    """The repository's HEAD commit, with '+dirty' when the work tree has changes; None outside git."""
    cwd = Path(cwd) if cwd else Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10
        )
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd, capture_output=True, text=True, timeout=10,
        )
        return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


def config_hash(config: Any) -> str:
    """A short stable id of a resolved config (used to skip work whose output already exists)."""
    payload = json.dumps(to_dict(config) if not isinstance(config, dict) else config, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_manifest(
    stage: str,
    config: Any,
    *,
    seed: int | None = None,
    inputs: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "stage": stage,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "config_hash": config_hash(config),
        "seed": seed,
        "git_revision": git_revision(),
        "versions": package_versions(),
        "command": sys.argv,
        "inputs": inputs or {},
        **(extra or {}),
    }


def write_json(path: str | Path, obj: Any) -> None:
    """Write JSON atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(obj, fh, indent=2, default=str)
            fh.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_run_metadata(
    out_dir: str | Path,
    stage: str,
    config: Any,
    *,
    seed: int | None = None,
    inputs: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write `config.yaml` (the resolved config) and `manifest.json` into `out_dir`."""
    out_dir = Path(out_dir)
    resolved = to_dict(config) if not isinstance(config, dict) else config
    write_text(out_dir / "config.yaml", yaml.safe_dump(resolved, sort_keys=False))
    manifest = build_manifest(stage, resolved, seed=seed, inputs=inputs, extra=extra)
    write_json(out_dir / "manifest.json", manifest)
    return manifest


def check_output_dir(path: str | Path, overwrite: bool) -> Path:
    """Refuse an existing, non-empty output directory unless `overwrite` is set."""
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())) and not overwrite:
        raise OutputExistsError(
            f"{path} already exists; pass --overwrite true to replace it (or choose another output_dir)"
        )
    return path


@contextlib.contextmanager
def atomic_output_dir(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces `path`, on failure it is removed.

    A crash therefore never leaves a half-written output under the final name.
    """
    path = Path(path)
    check_output_dir(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.partial-"))
    tmp.chmod(0o755)  # mkdtemp makes 0700
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if path.exists():
        old = path.with_name(f".{path.name}.old-{os.getpid()}")
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)
