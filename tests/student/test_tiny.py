"""The from-scratch tiny student: tokenizer, chat template with generation markers, saved folder."""

from __future__ import annotations

import datasets
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from student.models import dataset_texts
from student.tiny import make_tiny_student


def test_tiny_student_folder_loads_and_masks_answers(teacher_dir, tmp_path):
    ds = datasets.load_from_disk(str(teacher_dir))
    folder = make_tiny_student(dataset_texts(ds), tmp_path / "tiny", vocab_size=512, hidden_size=32,
                               num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    assert model.config.vocab_size == len(tok)
    assert model.config.num_hidden_layers == 1 and model.config.hidden_size == 32
    assert tok.eos_token == "<|end|>" and tok.pad_token == "<|pad|>"

    messages = ds[ds["num_rounds"].index(3)]["messages"]
    out = tok.apply_chat_template(messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    ids, mask = out["input_ids"], out["assistant_masks"]
    # Text round-trips exactly, with no whitespace added by the template.
    expected = "".join(f"<|{m['role']}|>{m['content']}<|end|>" for m in messages)
    assert tok.decode(ids) == expected
    # The loss mask covers exactly each answer and its end-of-turn token.
    answers = [m["content"] for m in messages if m["role"] == "assistant"]
    assert tok.decode([i for i, keep in zip(ids, mask, strict=True) if keep]) == "".join(a + "<|end|>" for a in answers)
    # Compact, domain-aware tokens: a frequent answer is a single token.
    assert len(tok(answers[0], add_special_tokens=False)["input_ids"]) == 1
    # The generation prompt opens an assistant turn.
    prompt = tok.apply_chat_template(messages[:1], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|end|><|assistant|>")
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits
    assert logits.shape == (1, len(ids), len(tok))


def test_unseen_text_still_encodes(teacher_dir, tmp_path):
    ds = datasets.load_from_disk(str(teacher_dir))
    folder = make_tiny_student(dataset_texts(ds), tmp_path / "tiny", vocab_size=300, hidden_size=16,
                               num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    tok = AutoTokenizer.from_pretrained(folder)
    text = "Hotel 1: distance to downtown: 3 miles — ünïcode"
    assert tok.decode(tok(text, add_special_tokens=False)["input_ids"]) == text


def test_tiny_init_cli_writes_a_loadable_folder_with_the_fingerprint(teacher_dir, tmp_path):
    import json

    from student.tiny_init import cli

    out = tmp_path / "init"
    assert cli(["--teacher_dataset", str(teacher_dir), "--output_dir", str(out), "--hidden_size", "16",
                "--num_hidden_layers", "1", "--num_attention_heads", "2", "--intermediate_size", "32"]) == 0
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.config.hidden_size == 16
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"]["teacher_fingerprint"] == json.loads((teacher_dir / "manifest.json").read_text())["fingerprint"]
    assert cli(["--teacher_dataset", str(teacher_dir), "--output_dir", str(out)]) == 2  # exists
