"""Run a pipeline of stage commands with skip-if-done, a progress line per stage and timings.

A step is done when its output folder holds a stamp naming the same command and the same contents
of the config files it reads; then it is skipped. `force` redoes every step. Each stage runs as its
own process (`python -m <stage> ...`), exactly as a user would run it from the README.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

STAMP = ".pipeline-stamp.json"


@dataclass
class Step:
    name: str
    command: list[str]  # arguments after `python`
    output_dir: Path
    inputs: list[Path] = field(default_factory=list)  # config files whose contents define the step
    env: dict[str, str] = field(default_factory=dict)
    # Arguments added when a finished output is to be replaced (never part of the step's key, so
    # an interrupted run, whose output is unfinished, resumes instead).
    overwrite_args: list[str] = field(default_factory=list)
    finished_marker: str = ""  # a file whose presence in output_dir means a finished output
    # for steps that only make a cache (no config): done whenever this file exists
    done_when_exists: str = ""

    def key(self) -> str:
        h = hashlib.sha256(json.dumps(self.command).encode())
        for path in self.inputs:
            h.update(path.read_bytes())
        return h.hexdigest()[:16]


def is_done(step: Step) -> bool:
    if step.done_when_exists and (step.output_dir / step.done_when_exists).exists():
        return True
    stamp = step.output_dir / STAMP
    if not stamp.is_file():
        return False
    try:
        return json.loads(stamp.read_text()).get("key") == step.key()
    except (OSError, json.JSONDecodeError):
        return False


def recorded_seconds(steps: list[Step]) -> float:
    """Seconds the steps took when they last ran (from their stamps)."""
    total = 0.0
    for step in steps:
        try:
            total += float(json.loads((step.output_dir / STAMP).read_text()).get("seconds", 0.0))
        except (OSError, json.JSONDecodeError, ValueError):
            pass
    return total


def run_steps(steps: list[Step], force: bool = False, log_dir: Path | None = None) -> float:
    """Run the steps in order; returns the seconds all of them took when last run (skipped ones
    included, from their stamps). Stops at the first failing step."""
    start = time.monotonic()
    for i, step in enumerate(steps, start=1):
        prefix = f"[{i}/{len(steps)}] {step.name}"
        if not force and is_done(step):
            print(f"{prefix}: up to date ({step.output_dir}), skipped", flush=True)
            continue
        print(f"{prefix}: running  (elapsed {time.monotonic() - start:5.0f} s)", flush=True)
        t0 = time.monotonic()
        env = {**os.environ, **step.env}
        log = None
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            log = log_dir / f"{i:02d}-{step.name.replace(' ', '_')}.log"
        command = list(step.command)
        if force or (step.finished_marker and (step.output_dir / step.finished_marker).exists()):
            command += step.overwrite_args
        with open(log, "w") if log else open(os.devnull, "w") as sink:
            proc = subprocess.run([sys.executable, *command], env=env, stdout=sink,
                                  stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            tail = log.read_text().splitlines()[-15:] if log else []
            print("\n".join(tail), file=sys.stderr)
            raise SystemExit(f"{prefix}: failed (exit {proc.returncode}); full log: {log}")
        step.output_dir.mkdir(parents=True, exist_ok=True)
        seconds = time.monotonic() - t0
        (step.output_dir / STAMP).write_text(
            json.dumps({"key": step.key(), "command": step.command, "seconds": round(seconds, 1)}))
        print(f"{prefix}: done in {seconds:.0f} s", flush=True)
    print(f"all {len(steps)} steps up to date after {time.monotonic() - start:.0f} s", flush=True)
    return recorded_seconds(steps)
