"""python -m student.train on a tiny model: loss falls, final folder layout, resume, LoRA, both
loss modes, padding-free equals padded, and the clear errors."""

from __future__ import annotations

import json

import datasets
import pytest
import torch
import yaml
from transformers import AutoModelForCausalLM, AutoTokenizer

from student.train import cli


def mean_answer_nll(folder, messages_list) -> float:
    """Mean negative log-likelihood of the assistant tokens, computed here from the logits."""
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    total, count = 0.0, 0
    for messages in messages_list:
        out = tok.apply_chat_template(messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
        ids = torch.tensor([out["input_ids"]])
        with torch.no_grad():
            logp = model(ids).logits[0, :-1].log_softmax(-1)
        target = ids[0, 1:]
        keep = torch.tensor(out["assistant_masks"][1:], dtype=torch.bool)
        total -= logp[torch.arange(len(target)), target][keep].sum().item()
        count += int(keep.sum())
    return total / count


def test_a_few_steps_lower_the_loss_and_write_the_final_folder(train, teacher_dir, tmp_path):
    rc, final = train(tmp_path / "run", "--max_steps", "12")
    assert rc == 0
    whole = datasets.load_from_disk(str(teacher_dir)).filter(lambda r: r["num_rounds"] == 3)["messages"]
    before = mean_answer_nll(tmp_path / "run" / "tiny-init", whole)
    after = mean_answer_nll(final, whole)
    assert after < before - 0.5, (before, after)

    for name in ("model.safetensors", "config.json", "tokenizer.json", "chat_template.jinja",
                 "config.yaml", "manifest.json", "loss_history.json", "loss_curve.png"):
        assert (final / name).is_file(), name
    manifest = json.loads((final / "manifest.json").read_text())
    teacher_manifest = json.loads((teacher_dir / "manifest.json").read_text())
    assert manifest["inputs"]["teacher_fingerprint"] == teacher_manifest["fingerprint"]
    assert manifest["inputs"]["base_model"] == "tiny"
    assert manifest["train_metrics"]["global_step"] == 12
    assert manifest["train_metrics"]["tokens_per_second"] > 0
    assert manifest["num_train_examples"] == 24  # whole conversations only
    losses = [row["loss"] for row in json.loads((final / "loss_history.json").read_text()) if "loss" in row]
    assert len(losses) == 12 and min(losses[-3:]) < losses[0]
    resolved = yaml.safe_load((final / "config.yaml").read_text())
    assert resolved["teacher_dataset"] == str(teacher_dir) and resolved["max_steps"] == 12
    assert not list((tmp_path / "run").glob(".final*"))  # no partial folder left behind

    # An existing result is refused unless overwrite is given.
    assert train(tmp_path / "run", "--max_steps", "1")[0] == 2


def test_final_turn_mode_trains_on_prefix_records(train, tmp_path):
    rc, final = train(tmp_path / "run", "--loss_on", "final_turn", "--max_steps", "3")
    assert rc == 0
    manifest = json.loads((final / "manifest.json").read_text())
    assert manifest["num_train_examples"] == 72 and manifest["loss_on"] == "final_turn"


def test_resume_continues_at_the_saved_step(train, tmp_path):
    out = tmp_path / "run"
    common = ["--save_strategy", "steps", "--save_steps", "3", "--lr_scheduler_type", "constant"]
    rc, _ = train(out, *common, "--max_steps", "3")
    assert rc == 0 and (out / "checkpoint-3").is_dir()
    # overwrite without resume starts over from step 0.
    rc, final = train(out, *common, "--max_steps", "6", "--overwrite", "true")
    assert rc == 0
    assert json.loads((final / "manifest.json").read_text())["inputs"]["resumed_from"] is None

    out2 = tmp_path / "run2"
    assert train(out2, *common, "--max_steps", "3")[0] == 0
    rc, final = train(out2, *common, "--max_steps", "6", "--overwrite", "true", "--resume_from_checkpoint", "true")
    assert rc == 0
    manifest = json.loads((final / "manifest.json").read_text())
    assert manifest["inputs"]["resumed_from"].endswith("checkpoint-3")
    assert manifest["train_metrics"]["global_step"] == 6
    steps = [row["step"] for row in json.loads((final / "loss_history.json").read_text()) if "loss" in row]
    assert steps == [1, 2, 3, 4, 5, 6]  # steps 1-3 come from the checkpoint's history
    state = json.loads((out2 / "checkpoint-6" / "trainer_state.json").read_text())
    assert state["global_step"] == 6


def test_checkpoints_without_resume_flag_are_refused(train, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(out, "--save_strategy", "steps", "--save_steps", "2", "--max_steps", "2")[0] == 0
    (out / "final").rename(out / "moved")
    rc, _ = train(out, "--max_steps", "4")
    assert rc == 2
    assert "--resume_from_checkpoint true" in capsys.readouterr().err


def test_lora_adapter_reloads_and_merges(train, tmp_path):
    from peft import PeftModel

    rc, final = train(tmp_path / "run", "--max_steps", "4", "--use_peft", "true", "--lora_r", "4",
                      "--lora_alpha", "8", "--lora_target_modules", "q_proj", "v_proj", "--learning_rate", "1e-2")
    assert rc == 0
    assert (final / "adapter" / "adapter_config.json").is_file()
    base = AutoModelForCausalLM.from_pretrained(tmp_path / "run" / "tiny-init")
    ids = torch.tensor([[5, 9, 17, 33, 2]])
    with torch.no_grad():
        base_logits = base(ids).logits
        reloaded = PeftModel.from_pretrained(base, final / "adapter").merge_and_unload()
        merged_logits = AutoModelForCausalLM.from_pretrained(final)(ids).logits
        reloaded_logits = reloaded(ids).logits
    assert torch.allclose(reloaded_logits, merged_logits, atol=1e-5)
    assert not torch.allclose(base_logits, merged_logits, atol=1e-4)  # the adapter learned something


def test_padding_free_batches_give_the_padded_loss(train, teacher_dir, tmp_path):
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    rc, final = train(tmp_path / "run", "--max_steps", "2")
    assert rc == 0
    tok = AutoTokenizer.from_pretrained(final)
    model = AutoModelForCausalLM.from_pretrained(final).eval()
    ds = datasets.load_from_disk(str(teacher_dir))
    examples = []
    for i in range(4):  # records of 1, 2, 3 and 1 rounds: different lengths
        out = tok.apply_chat_template(ds[i]["messages"], tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
        labels = [t if keep else -100 for t, keep in zip(out["input_ids"], out["assistant_masks"], strict=True)]
        examples.append({"input_ids": out["input_ids"], "labels": labels})
    assert len({len(e["input_ids"]) for e in examples}) > 1
    losses = []
    for padding_free in (False, True):
        batch = DataCollatorForLanguageModeling(pad_token_id=tok.pad_token_id, padding_free=padding_free)(examples)
        keys = ("input_ids", "labels", "attention_mask", "position_ids")
        with torch.no_grad():
            losses.append(model(**{k: v for k, v in batch.items() if k in keys}).loss.item())
    assert losses[0] == pytest.approx(losses[1], abs=1e-5)


def test_missing_teacher_dataset_is_a_one_line_error(tmp_path, capsys):
    rc = cli(["--teacher_dataset", str(tmp_path / "nope"), "--output_dir", str(tmp_path / "o"), "--use_cpu", "true"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err and "nope" in err and "teacher generate" in err


def test_invalid_teacher_dataset_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad"
    datasets.Dataset.from_dict({"messages": [[{"role": "user", "content": "hi"}]]}).save_to_disk(str(bad))
    capsys.readouterr()  # drop the progress bar of save_to_disk
    rc = cli(["--teacher_dataset", str(bad), "--output_dir", str(tmp_path / "o"), "--use_cpu", "true"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err and "missing column" in err


def test_unknown_recipe_key_is_a_one_line_error(tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("student: tiny\nlearning_rat: 0.1\n")
    rc = cli(["--config", str(recipe)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err and str(recipe) in err and "learning_rat" in err


def test_bad_loss_mode_is_a_one_line_error(tmp_path, capsys):
    rc = cli(["--loss_on", "everything", "--use_cpu", "true"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "loss_on" in err and "final_turn" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU error")
def test_gpu_recipe_on_cpu_names_a_cpu_recipe(capsys):
    rc = cli(["--config", "configs/student/llama3_8b_oracle.yaml"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "GPU" in err and "configs/student/tiny_oracle.yaml" in err
