"""Shared fixtures: a small teacher dataset written by `python -m teacher generate`, and a
helper that trains a tiny student in-process with a few `--key value` overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

# A 1-layer, 32-wide student: steps take milliseconds, so tests stay fast.
TINY_FLAGS = [
    "--student", "tiny", "--tiny_hidden_size", "32", "--tiny_num_hidden_layers", "1",
    "--tiny_num_attention_heads", "2", "--tiny_intermediate_size", "64", "--tiny_vocab_size", "512",
    "--use_cpu", "true", "--bf16", "false", "--report_to", "none", "--disable_tqdm", "true",
    "--logging_steps", "1", "--save_strategy", "no", "--per_device_train_batch_size", "4",
    "--learning_rate", "3e-3", "--activation_checkpointing", "false", "--dataset_num_proc", "1",
]


@pytest.fixture(scope="session")
def teacher_dir(tmp_path_factory) -> Path:
    """8 users x 3 conversations x 3 rounds, prefixes expanded: 72 records (24 conversations)."""
    from teacher.generate import cli

    out = tmp_path_factory.mktemp("teacher") / "flight_bayesian"
    rc = cli(["--users", "8", "--conversations_per_user", "3", "--rounds", "3", "--seed", "0",
              "--output_dir", str(out), "--progress", "false"])
    assert rc == 0
    return out


@pytest.fixture
def train(teacher_dir):
    """train(output_dir, *flags) -> (exit code, final folder)."""
    from student.train import cli

    def run(output_dir: Path, *flags: str) -> tuple[int, Path]:
        rc = cli(["--teacher_dataset", str(teacher_dir), "--output_dir", str(output_dir), *TINY_FLAGS, *flags])
        return rc, Path(output_dir) / "final"

    return run
