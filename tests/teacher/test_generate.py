"""`python -m teacher generate`: the folder it writes, determinism, and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import pytest
import yaml

import teacher.generate as generate
from bayes.config import config_from_file, parse_config
from teacher.dataset import (
    DatasetError,
    dataset_fingerprint,
    load_teacher_dataset,
    records_fingerprint,
)
from teacher.generate import GenerateConfig, main
from teacher.schema import COLUMNS
from teacher.splits import split_user_ids

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "configs" / "teacher" / "tiny_bayesian.yaml"


def tiny(tmp_path, name="out", **overrides):
    values = {"users": "6", "conversations_per_user": 2, "rounds": 3, "progress": False,
              "output_dir": str(tmp_path / name), **overrides}
    return GenerateConfig(**values)


def test_output_folder_layout_and_contents(tmp_path):
    manifest = main(tiny(tmp_path))
    out = tmp_path / "out"
    ds = datasets.load_from_disk(str(out))  # the folder itself, extra files beside the arrow data
    assert len(ds) == 6 * 2 * 3 == manifest["records"]
    assert tuple(ds.column_names) == COLUMNS
    assert {p.name for p in out.iterdir()} >= {"data.jsonl", "README.md", "config.yaml", "manifest.json",
                                               "state.json", "dataset_info.json"}
    lines = (out / "data.jsonl").read_text().splitlines()
    assert len(lines) == len(ds)
    for line, rec in zip(lines, ds, strict=True):
        obj = json.loads(line)
        assert list(obj) == ["idx", "messages"] and obj == {"idx": rec["idx"], "messages": rec["messages"]}
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["users"] == "6" and config["teaching"] == "bayesian"
    assert manifest["fingerprint"] == records_fingerprint(ds) == dataset_fingerprint(out)
    assert manifest["users"] == 6 and manifest["conversations"] == 12


def test_dataset_card_has_metadata_and_the_command(tmp_path):
    main(tiny(tmp_path), command="python -m teacher generate --config X")
    text = (tmp_path / "out" / "README.md").read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["dataset_info"]["splits"] == [{"name": "train", "num_examples": 36}]
    assert [f["name"] for f in front["dataset_info"]["features"]] == list(COLUMNS)
    assert front["configs"][0]["data_files"][0]["path"] == "data.jsonl"
    assert "python -m teacher generate --config X" in text and "**Seed:** 0" in text


def test_same_config_and_seed_same_fingerprint_other_seed_other(tmp_path):
    a = main(tiny(tmp_path, "a"))["fingerprint"]
    b = main(tiny(tmp_path, "b"))["fingerprint"]
    c = main(tiny(tmp_path, "c", seed=1))["fingerprint"]
    assert a == b != c
    assert (tmp_path / "a" / "data.jsonl").read_bytes() == (tmp_path / "b" / "data.jsonl").read_bytes()
    assert main(tiny(tmp_path, "d", teaching="oracle"))["fingerprint"] not in (a, c)


def test_cli_in_a_fresh_process_gives_the_same_fingerprint(tmp_path):
    out = tmp_path / "cli"
    result = subprocess.run(
        [sys.executable, "-m", "teacher", "generate", "--config", str(TINY), "--output_dir", str(out),
         "--progress", "false"], cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 36 records" in result.stdout
    config = config_from_file(GenerateConfig, TINY, output_dir=str(tmp_path / "here"), progress=False)
    assert dataset_fingerprint(out) == main(config)["fingerprint"]
    card = (out / "README.md").read_text()
    assert f"python -m teacher generate --config {TINY}" in card


def test_train_split_uses_only_train_users(tmp_path):
    main(tiny(tmp_path, users="all", split="train", conversations_per_user=1, rounds=1))
    ds = datasets.load_from_disk(str(tmp_path / "out"))
    train = set(split_user_ids("flight", "train").tolist())
    heldout = set(split_user_ids("flight", "heldout").tolist())
    assert set(ds["user_id"]) == train and len(train) == 499 and not train & heldout


def test_whole_conversations_and_hotel(tmp_path):
    main(tiny(tmp_path, domain="hotel", expand_prefixes=False))
    ds = load_teacher_dataset(tmp_path / "out", validate=None)
    assert len(ds) == 12 and set(ds["num_rounds"]) == {3} and set(ds["domain"]) == {"hotel"}
    assert ds[0]["messages"][0]["content"].splitlines()[1] == "Which hotel is the best option?"


def test_existing_output_is_refused_unless_overwrite(tmp_path, capsys):
    main(tiny(tmp_path))
    before = dataset_fingerprint(tmp_path / "out")
    code = generate.cli(["--config", str(TINY), "--output_dir", str(tmp_path / "out"), "--seed", "5",
                         "--progress", "false"])
    assert code == 2 and "already exists; pass --overwrite" in capsys.readouterr().err
    assert dataset_fingerprint(tmp_path / "out") == before
    assert generate.cli(["--config", str(TINY), "--output_dir", str(tmp_path / "out"), "--seed", "5",
                         "--overwrite", "--progress", "false"]) == 0
    assert dataset_fingerprint(tmp_path / "out") != before


def test_failure_mid_generation_leaves_no_partial_output(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(generate, "card_text", crash)  # after the arrow data and data.jsonl
    with pytest.raises(RuntimeError, match="disk full"):
        main(tiny(tmp_path))
    assert list(tmp_path.iterdir()) == []


def _config_error(tmp_path, capsys, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SystemExit) as exit_:
        parse_config(GenerateConfig, ["--config", str(path)], "python -m teacher generate")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert str(path) in err and len(err.strip().splitlines()) == 1
    return err


def test_config_errors_name_the_file_and_key(tmp_path, capsys):
    assert "unknown key(s) round;" in _config_error(tmp_path, capsys, "round: 5\n")
    assert "key 'rounds': expected an integer, got 'x'" in _config_error(tmp_path, capsys, "rounds: x\n")
    assert "key 'users': expected 'all' or a positive integer, got 'abc'" in _config_error(
        tmp_path, capsys, "users: abc\n")
    assert "key 'teaching': expected one of ['bayesian', 'oracle']" in _config_error(
        tmp_path, capsys, "teaching: human\n")
    assert "line 2" in _config_error(tmp_path, capsys, "seed: 1\n  rounds: [\n")


def test_missing_template_and_output_dir_are_clear_errors(tmp_path, capsys):
    code = generate.cli(["--config", str(TINY), "--output_dir", str(tmp_path / "o"),
                         "--template", str(tmp_path / "nope.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and f"template not found: {tmp_path / 'nope.yaml'}" in err
    assert generate.cli(["--users", "3"]) == 2
    assert "key 'output_dir': required" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_load_teacher_dataset_errors(tmp_path):
    with pytest.raises(DatasetError, match="no such folder"):
        load_teacher_dataset(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="not a saved Hugging Face dataset"):
        load_teacher_dataset(tmp_path / "empty")
    main(tiny(tmp_path))
    ds = datasets.load_from_disk(str(tmp_path / "out"))
    broken = ds.map(lambda r: {"assistant_picks": [(p + 1) % 3 for p in r["assistant_picks"]]})
    broken.save_to_disk(str(tmp_path / "broken"))
    with pytest.raises(DatasetError, match=r"broken record 0: assistant_picks do not follow the bayesian"):
        load_teacher_dataset(tmp_path / "broken")
    assert len(load_teacher_dataset(tmp_path / "broken", validate=0)) == 36
    with pytest.raises(DatasetError, match="no manifest.json"):
        dataset_fingerprint(tmp_path / "broken")


@pytest.mark.slow
def test_paper_size_flight_datasets(tmp_path):
    for name in ("flight_bayesian", "flight_oracle"):
        config = config_from_file(GenerateConfig, ROOT / "configs" / "teacher" / f"{name}.yaml",
                                  output_dir=str(tmp_path / name), progress=False)
        manifest = main(config)
        ds = datasets.load_from_disk(str(tmp_path / name))
        assert len(ds) == manifest["records"] == 31_200
        assert sorted(set(ds["user_id"])) == list(range(624))
        assert ds["num_rounds"].count(5) == 6_240
