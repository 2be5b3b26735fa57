"""Every recipe and accelerate config parses strictly and says what it does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RECIPES = sorted((ROOT / "configs" / "student").glob("*.yaml"))
ACCELERATE = sorted((ROOT / "configs" / "accelerate").glob("*.yaml"))


def test_there_are_recipes_and_accelerate_configs():
    names = {p.stem for p in RECIPES}
    for teaching in ("bayesian", "oracle"):
        for stem in ("tiny", "tiny_quickstart", "smollm2_135m", "smollm2_135m_lora", "gemma2_9b",
                     "llama3_8b", "qwen2_5_7b"):
            assert f"{stem}_{teaching}" in names
    assert {p.stem for p in ACCELERATE} >= {"cpu", "single_gpu", "multi_gpu", "fsdp", "deepspeed_zero3"}


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_recipe_parses_strictly(path):
    from student.config import make_parser

    student, sft, model = make_parser().parse_args_and_config(["--config", str(path), "--use_cpu", "true"])
    text = path.read_text()
    assert text.startswith("#") and f"--config configs/student/{path.name}" in text  # launch command
    assert student.teacher_dataset.startswith("outputs/teacher/flight_")
    teaching = "oracle" if "oracle" in path.stem else "bayesian"
    assert teaching in student.teacher_dataset
    assert sft.output_dir == f"outputs/student/{path.stem}"
    assert sft.report_to == [] or sft.report_to == "none" or sft.report_to == ["none"]
    if student.requires_gpu:  # the paper's fine-tunes
        processes = 8
        assert sft.learning_rate == 2e-6 and sft.num_train_epochs == 1 and sft.max_length == 2048
        assert sft.warmup_steps == 0.1 and sft.lr_scheduler_type.value == "cosine" and sft.bf16
        assert not model.use_peft
        assert sft.per_device_train_batch_size * sft.gradient_accumulation_steps * processes == 128
        assert f"x {processes} processes = 128" in text
    else:
        stated = f"{sft.per_device_train_batch_size} per device x {sft.gradient_accumulation_steps} gradient accumulation x 1 process"
        stated_tiny = f"{sft.per_device_train_batch_size} conversations per step x {sft.gradient_accumulation_steps} gradient accumulation x 1 process"
        assert stated in text or stated_tiny in text


def test_recipes_have_no_stray_keys():
    from student.config import make_parser

    parser = make_parser()
    known = {a.dest for a in parser._actions}
    for path in RECIPES:
        keys = set(yaml.safe_load(path.read_text()))
        assert keys <= known, (path, keys - known)


@pytest.mark.parametrize("path", ACCELERATE, ids=lambda p: p.stem)
def test_accelerate_config_is_truthful(path):
    from accelerate.commands.config.config_args import load_config_from_file
    from accelerate.utils import DistributedType

    config = load_config_from_file(str(path))  # raises on unknown keys
    text = path.read_text()
    assert text.startswith("#") and "accelerate launch --config_file configs/accelerate/" + path.name in text
    if config.distributed_type == DistributedType.NO:
        assert config.num_processes == 1
    else:
        assert config.num_processes >= 2
    assert config.use_cpu == (path.stem == "cpu")
    if config.distributed_type == DistributedType.DEEPSPEED:
        ds_file = ROOT / config.deepspeed_config["deepspeed_config_file"]
        ds = json.loads(ds_file.read_text())
        assert ds["zero_optimization"]["stage"] == 3
        assert ds["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"] is True
    if config.distributed_type == DistributedType.FSDP:
        assert config.fsdp_config["fsdp_state_dict_type"] == "FULL_STATE_DICT"
