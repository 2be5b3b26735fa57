"""`python -m teacher show` and `python -m teacher validate`."""

from __future__ import annotations

import json

import pytest

from teacher import show, validate
from teacher.__main__ import main as teacher_main
from teacher.generate import GenerateConfig, main


@pytest.fixture()
def dataset(tmp_path):
    main(GenerateConfig(users="5", conversations_per_user=2, rounds=4, output_dir=str(tmp_path / "ds"),
                        progress=False))
    return tmp_path / "ds"


def test_show_prints_readable_conversations(dataset, capsys):
    assert show.cli(["--dataset_dir", str(dataset), "--index", "3", "--count", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("=== record") == 2 and "=== record 3: bayesian teaching, flight" in out
    assert "--- assistant\nThe best option is Flight" in out and "Bayesian predictive: [" in out
    assert show.cli(["--dataset_dir", str(dataset), "--index", "99"]) == 2
    assert "index 99 out of range (0..39)" in capsys.readouterr().err


def test_validate_accepts_a_generated_dataset(dataset, capsys):
    assert teacher_main(["validate", "--dataset_dir", str(dataset), "--progress", "false"]) == 0
    assert "OK (40 records, 40 checked" in capsys.readouterr().out


def test_validate_uses_the_folders_rule(tmp_path, capsys):
    out = tmp_path / "vote"
    main(GenerateConfig(users="8", conversations_per_user=2, rounds=5, rule="vote", output_dir=str(out),
                        progress=False))
    assert validate.cli(["--dataset_dir", str(out), "--progress", "false"]) == 0
    config = out / "config.yaml"
    config.write_text(config.read_text().replace("rule: vote", "rule: mean"))
    assert validate.cli(["--dataset_dir", str(out), "--progress", "false"]) == 2
    assert "the Bayesian Assistant predicts" in capsys.readouterr().err


def test_validate_detects_edits(dataset, capsys):
    jsonl = dataset / "data.jsonl"
    lines = jsonl.read_text().splitlines()
    edited = json.loads(lines[2])
    edited["messages"][1]["content"] = "The best option is Flight 3."
    jsonl.write_text("\n".join([*lines[:2], json.dumps(edited), *lines[3:]]) + "\n")
    assert validate.cli(["--dataset_dir", str(dataset), "--progress", "false"]) == 2
    assert f"{jsonl}:3: messages differ" in capsys.readouterr().err
    manifest = json.loads((dataset / "manifest.json").read_text())
    manifest["fingerprint"] = "0" * 64
    (dataset / "manifest.json").write_text(json.dumps(manifest))
    assert validate.cli(["--dataset_dir", str(dataset), "--progress", "false"]) == 2
    assert "differs from the manifest's 0000000000000000" in capsys.readouterr().err


def test_unknown_verb(capsys):
    assert teacher_main(["train"]) == 2
    assert "unknown verb 'train'" in capsys.readouterr().err
